import { readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Store, StatCache } from "../../src/store/index.js";
import { scratch, settle, sha, write } from "./helpers.js";

async function setup(): Promise<{ store: Store; work: string }> {
  const work = scratch();
  return { store: await Store.open(join(work, ".slm")), work };
}

describe("StatCache", () => {
  it("hashes a settled file once, then answers from stat alone", async () => {
    const { store, work } = await setup();
    const file = write(join(work, "model.onnx"), "weights-v1");
    await settle(file, store.tmpDir);
    const cache = store.statCache;
    expect(await cache.digestFile(file)).toEqual({ digest: sha("weights-v1"), size: 10 });
    expect(await cache.digestFile(file)).toEqual({ digest: sha("weights-v1"), size: 10 });
    expect(cache.counters).toEqual({ hashed: 1, hits: 1 });
  });

  it("trusts a matching stat without reading the file: the accepted trade-off, as in git", async () => {
    const { store, work } = await setup();
    const file = write(join(work, "data.bin"), "real content");
    await settle(file, store.tmpDir);
    await store.statCache.digestFile(file);
    await store.statCache.save();
    // Rewrite the persisted digest: a reader that trusts stat returns it without looking at bytes.
    const saved = JSON.parse(readFileSync(store.statCache.file, "utf8"));
    saved.entries[file][0] = sha("never read");
    writeFileSync(store.statCache.file, JSON.stringify(saved));
    const reloaded = new StatCache(store.statCache.file, store.tmpDir);
    expect((await reloaded.digestFile(file)).digest).toBe(sha("never read"));
    expect(reloaded.counters).toEqual({ hashed: 0, hits: 1 });
  });

  it("notices a same-size edit even with mtime put back (ctime moves), and a bare mtime change", async () => {
    const { store, work } = await setup();
    const file = write(join(work, "m.bin"), "AAAA");
    const { atime, mtime } = statSync(file);
    await settle(file, store.tmpDir);
    const cache = store.statCache;
    await cache.digestFile(file);

    writeFileSync(file, "BBBB");
    utimesSync(file, atime, mtime); // size and mtime as before; only ctime tells
    expect((await cache.digestFile(file)).digest).toBe(sha("BBBB"));

    await settle(file, store.tmpDir);
    await cache.digestFile(file);
    const hashedBefore = cache.counters.hashed;
    const later = new Date(mtime.getTime() + 5000);
    utimesSync(file, later, later);
    expect((await cache.digestFile(file)).digest).toBe(sha("BBBB"));
    expect(cache.counters.hashed).toBe(hashedBefore + 1);
  });

  it("re-hashes a racy file (mtime not older than the hash) every time", async () => {
    const { store, work } = await setup();
    const file = write(join(work, "racy.bin"), "racy");
    const future = new Date(Date.now() + 60_000);
    utimesSync(file, future, future);
    const cache = store.statCache;
    await cache.digestFile(file);
    await cache.digestFile(file);
    expect(cache.counters).toEqual({ hashed: 2, hits: 0 });
  });

  it("returns the new content for same-size rewrites made right after each hash", async () => {
    const { store, work } = await setup();
    const file = join(work, "tick.bin");
    const cache = store.statCache;
    // Same size and inode, often within one timestamp tick: on kernels without fine-grained
    // timestamps only the racy rule catches these (kernels >= 6.13 stamp them apart on their own).
    for (let i = 0; i < 40; i++) {
      writeFileSync(file, `v${i % 10}-${i % 2}`);
      expect((await cache.digestFile(file)).digest).toBe(sha(`v${i % 10}-${i % 2}`));
      writeFileSync(file, `w${i % 10}-${i % 2}`);
      expect((await cache.digestFile(file)).digest).toBe(sha(`w${i % 10}-${i % 2}`));
    }
  });

  it("persists across processes' instances and ignores a corrupt cache file", async () => {
    const { store, work } = await setup();
    const file = write(join(work, "a.bin"), "abc");
    await settle(file, store.tmpDir);
    await store.statCache.digestFile(file);
    await store.statCache.save();
    const again = new StatCache(store.statCache.file, store.tmpDir);
    await again.digestFile(file);
    expect(again.counters).toEqual({ hashed: 0, hits: 1 });

    writeFileSync(store.statCache.file, '{"version":1,"entries":{"/x":["sha');
    const damaged = new StatCache(store.statCache.file, store.tmpDir);
    expect((await damaged.digestFile(file)).digest).toBe(sha("abc"));
    expect(damaged.counters.hashed).toBe(1);
    await damaged.save();
    expect(JSON.parse(readFileSync(store.statCache.file, "utf8")).entries[file][0]).toBe(sha("abc"));
  });

  it("prunes entries of files that are gone", async () => {
    const { store, work } = await setup();
    const kept = write(join(work, "kept.bin"), "k");
    const gone = write(join(work, "gone.bin"), "g");
    await settle(gone, store.tmpDir);
    await settle(kept, store.tmpDir);
    await store.statCache.digestFile(kept);
    await store.statCache.digestFile(gone);
    rmSync(gone);
    expect(await store.statCache.prune()).toBe(1);
    await store.statCache.save();
    expect(Object.keys(JSON.parse(readFileSync(store.statCache.file, "utf8")).entries)).toEqual([kept]);
  });

  it("lets putFile skip copying a file whose digest it knows and whose blob is present", async () => {
    const { store, work } = await setup();
    const file = write(join(work, "big.onnx"), "model bytes");
    await settle(file, store.tmpDir);
    const first = await store.putFile(file);
    const hits = store.statCache.counters.hits;
    expect(await store.putFile(file)).toEqual(first);
    expect(store.statCache.counters.hits).toBe(hits + 1);
  });
});
