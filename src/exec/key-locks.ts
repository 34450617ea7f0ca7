/**
 * Stages whose action keys are equal do the same work (the same kind, params and input bytes:
 * `evaluate:quantize` and `evaluate:cpu-int8` when the target takes the model as it is). They
 * run one at a time, so the later one finds the earlier one's result in the cache instead of
 * repeating the work (and timing the same model twice, with different results).
 */
export class KeyLocks {
  private readonly held = new Map<string, Promise<void>>();

  /** Runs `work` once no other work holding `key` is running. */
  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    for (let busy = this.held.get(key); busy !== undefined; busy = this.held.get(key)) await busy;
    let release!: () => void;
    this.held.set(key, new Promise<void>((resolve) => (release = resolve)));
    try {
      return await work();
    } finally {
      this.held.delete(key);
      release();
    }
  }
}
