import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { GC_GRACE_MS, Store, TEMP_STALE_MS, gc, removeStore, storeSize, type OutputRef } from "../../src/store/index.js";
import { age, ageStore, scratch, write } from "./helpers.js";

const HOUR = 60 * 60 * 1000;
const key = (c: string): string => c.repeat(64);

/** Records a (oldest) … c (newest): each owns a 1000-byte blob; a and c share a 500-byte one. */
async function lruStore(): Promise<{ store: Store; own: Record<string, OutputRef>; shared: OutputRef }> {
  const store = await Store.open(join(scratch(), ".slm"));
  const shared = await store.putBytes("s".repeat(500));
  const own: Record<string, OutputRef> = {};
  for (const name of ["a", "b", "c"]) {
    own[name] = await store.putBytes(name.repeat(1000));
    await store.putAction(key(name), { outputs: name === "b" ? { own: own[name] } : { own: own[name], shared } });
  }
  ageStore(store.root, 48 * HOUR);
  age(store.actionPath(key("a")), 30 * HOUR);
  age(store.actionPath(key("b")), 20 * HOUR);
  age(store.actionPath(key("c")), 10 * HOUR);
  return { store, own, shared };
}

describe("gc", () => {
  it("evicts least recently used records first, with the blobs only they referenced", async () => {
    const { store, own, shared } = await lruStore();
    const { total } = await storeSize(store);
    const recordSize = statSync(store.actionPath(key("a"))).size;
    const result = await gc(store, { maxBytes: total - 1, keepKeys: new Set() });
    expect(result).toEqual({ before: total, after: total - 1000 - recordSize, removedActions: 1, removedBlobs: 1, removedTemp: 0 });
    expect(await store.getAction(key("a"))).toBeUndefined();
    expect(store.hasBlob(own.a!.digest)).toBe(false);
    expect(store.hasBlob(shared.digest)).toBe(true); // c still needs it
    expect(await store.getAction(key("b"))).toBeDefined();
    expect(await store.getAction(key("c"))).toBeDefined();
    expect((await storeSize(store)).total).toBe(result.after);
  });

  it("never evicts keepKeys, and a hit makes a record recently used", async () => {
    const { store, own, shared } = await lruStore();
    expect(await store.getAction(key("a"))).toBeDefined(); // a is now the most recently used;
    // let an hour pass (beyond the grace period, which spares what a hit just touched)
    for (const path of [store.actionPath(key("a")), store.blobPath(own.a!.digest), store.blobPath(shared.digest)]) age(path, HOUR);
    const result = await gc(store, { maxBytes: 0, keepKeys: new Set([key("b")]) });
    expect(result.removedActions).toBe(2);
    expect(await store.getAction(key("b"))).toBeDefined();
    expect(store.hasBlob(own.b!.digest)).toBe(true);
    expect(store.hasBlob(own.c!.digest)).toBe(false);
    expect(store.hasBlob(own.a!.digest)).toBe(false);
  });

  it("stops as soon as the store fits", async () => {
    const { store } = await lruStore();
    const result = await gc(store, { maxBytes: 10 ** 9, keepKeys: new Set() });
    expect(result).toMatchObject({ removedActions: 0, removedBlobs: 0, removedTemp: 0 });
    expect(result.after).toBe(result.before);
  });

  it("spares records and blobs younger than the grace period", async () => {
    const store = await Store.open(join(scratch(), ".slm"));
    const fresh = await store.putBytes("fresh");
    const orphan = await store.putBytes("orphan, recent");
    await store.putAction(key("d"), { outputs: { x: fresh } });
    const oldOrphan = await store.putBytes("orphan, old");
    age(store.blobPath(oldOrphan.digest), GC_GRACE_MS + 60_000);
    const result = await gc(store, { maxBytes: 0, keepKeys: new Set() });
    expect(result).toMatchObject({ removedActions: 0, removedBlobs: 1 });
    expect(store.hasBlob(oldOrphan.digest)).toBe(false);
    expect(store.hasBlob(orphan.digest)).toBe(true);
    expect(await store.getAction(key("d"))).toBeDefined();
  });

  it("removes old records that can never hit again and keeps tree files a record references", async () => {
    const store = await Store.open(join(scratch(), ".slm"));
    const dir = join(store.root, "..", "tree");
    write(join(dir, "a.bin"), "tree file");
    const tree = await store.putTree(dir);
    await store.putAction(key("e"), { outputs: { bundle: tree } });
    const lost = await store.putBytes("lost");
    await store.putAction(key("f"), { outputs: { x: lost } });
    mkdirSync(join(store.acDir, "22"), { recursive: true });
    writeFileSync(store.actionPath(key("2")), "{ not json");
    rmSync(store.blobPath(lost.digest));
    ageStore(store.root, 2 * GC_GRACE_MS);
    const result = await gc(store, { maxBytes: 10 ** 9, keepKeys: new Set() });
    expect(result).toMatchObject({ removedActions: 2, removedBlobs: 0 });
    expect(existsSync(store.actionPath(key("f")))).toBe(false);
    expect(existsSync(store.actionPath(key("2")))).toBe(false);
    expect(await store.getAction(key("e"))).toBeDefined();
  });

  it("removes stale temp entries of dead writers only", async () => {
    const store = await Store.open(join(scratch(), ".slm"));
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid;
    const stale = join(store.tmpDir, `convert.${dead}.aaaaaaaaaaaa`);
    write(join(stale, "partial.bin"), "x".repeat(100));
    const live = await store.makeTempDir("simulate"); // this process: alive
    write(join(live, "state.bin"), "y");
    const recentDead = join(store.tmpDir, `blob.${dead}.bbbbbbbbbbbb`);
    write(recentDead, "z");
    for (const path of [stale, join(stale, "partial.bin"), live, join(live, "state.bin")]) age(path, TEMP_STALE_MS + HOUR);

    const dry = await gc(store, { maxBytes: 0, keepKeys: new Set(), dryRun: true });
    expect(dry.removedTemp).toBe(1);
    expect(existsSync(stale)).toBe(true);
    const result = await gc(store, { maxBytes: 0, keepKeys: new Set() });
    expect(result).toMatchObject({ removedTemp: 1, before: 102, after: 2 });
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(recentDead)).toBe(true);
  });

  it("dry run reports exactly what a real run does, and changes nothing", async () => {
    const dryStore = (await lruStore()).store;
    const realStore = (await lruStore()).store;
    const before = await storeSize(dryStore);
    const listing = (root: string): string[] => readdirSync(root, { recursive: true }).map(String).sort();
    const files = listing(dryStore.root);
    const dry = await gc(dryStore, { maxBytes: 2000, keepKeys: new Set(), dryRun: true });
    expect(await storeSize(dryStore)).toEqual(before);
    expect(listing(dryStore.root)).toEqual(files);
    const real = await gc(realStore, { maxBytes: 2000, keepKeys: new Set() });
    expect(dry).toEqual(real);
    expect(real.removedActions).toBe(2);
  });
});

describe("storeSize and removeStore", () => {
  it("counts blobs, records, temp and the stat cache", async () => {
    const work = scratch();
    const store = await Store.open(join(work, ".slm"));
    const ref = await store.putBytes("1234567890");
    await store.putAction(key("a"), { outputs: { x: ref } });
    write(join(store.tmpDir, "blob.1.abc"), "12345");
    const file = write(join(work, "input.bin"), "in");
    await store.statCache.digestFile(file);
    await store.statCache.save();
    const usage = await storeSize(store);
    expect(usage.blobs).toBe(10);
    expect(usage.actions).toBe(statSync(store.actionPath(key("a"))).size);
    expect(usage.temp).toBe(5);
    expect(usage.total).toBe(usage.blobs + usage.actions + usage.temp + statSyncSafe(store.statCache.file));
  });

  it("removes a store but refuses a directory that is not one", async () => {
    const work = scratch();
    const store = await Store.open(join(work, ".slm"));
    await store.putBytes("x");
    await removeStore(store.root);
    expect(existsSync(store.root)).toBe(false);
    await removeStore(store.root); // already gone: fine
    write(join(work, "slm.config.yaml"), "model: x");
    await expect(removeStore(work)).rejects.toThrow(InputError);
    expect(existsSync(join(work, "slm.config.yaml"))).toBe(true);
  });
});

function statSyncSafe(path: string): number {
  return existsSync(path) ? statSync(path).size : 0;
}

