/**
 * Bounded concurrency for file work: enough operations in flight to keep libuv's thread pool
 * busy, not so many that thousands of files are open at once.
 */

/**
 * Maps `items` through `fn` with at most `limit` calls in flight; results keep the input order.
 * After a failure no new call starts, and the first error is thrown only once every call in
 * flight has settled, so the caller can clean up without racing them.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T);
      } catch (error) {
        next = items.length;
        throw error;
      }
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, worker));
  const failure = settled.find((outcome) => outcome.status === "rejected");
  if (failure) throw failure.reason;
  return results;
}
