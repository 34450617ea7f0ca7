import { existsSync, linkSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync, chmodSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SlmError } from "../../src/errors.js";
import { Store, type ActionRecord } from "../../src/store/index.js";
import { corruptBlobs, filesUnder, scratch, sha, write } from "./helpers.js";

const KEY_A = "a".repeat(64);
const KEY_B = "b".repeat(64);

async function openStore(): Promise<{ store: Store; work: string }> {
  const work = scratch();
  return { store: await Store.open(join(work, ".slm")), work };
}

describe("Store blobs", () => {
  it("stores bytes under cas/<2>/<62> named by their sha256, read-only", async () => {
    const { store } = await openStore();
    const ref = await store.putBytes("hello");
    expect(ref).toEqual({ digest: sha("hello"), size: 5, kind: "file" });
    const hex = ref.digest.slice(7);
    const path = join(store.root, "cas", hex.slice(0, 2), hex.slice(2));
    expect(store.blobPath(ref.digest)).toBe(path);
    expect(readFileSync(path, "utf8")).toBe("hello");
    expect(statSync(path).mode & 0o777).toBe(0o444);
    expect(store.hasBlob(ref.digest)).toBe(true);
    expect(store.hasBlob(sha("other"))).toBe(false);
    expect(await store.putBytes(new TextEncoder().encode("hello"))).toEqual(ref);
  });

  it("copies a file from outside the store and leaves the original alone", async () => {
    const { store, work } = await openStore();
    const source = write(join(work, "model.onnx"), "weights");
    const ref = await store.putFile(source);
    expect(ref).toEqual({ digest: sha("weights"), size: 7, kind: "file" });
    expect(readFileSync(source, "utf8")).toBe("weights");
    writeFileSync(source, "edited!"); // editing the original must not reach the blob
    expect(readFileSync(store.blobPath(ref.digest), "utf8")).toBe("weights");
    expect((await store.putFile(source)).digest).toBe(sha("edited!"));
  });

  it("moves a file that a stage wrote under tmp/", async () => {
    const { store } = await openStore();
    const stageDir = await store.makeTempDir("quantize:int8");
    expect(stageDir.startsWith(join(store.root, "tmp"))).toBe(true);
    const output = write(join(stageDir, "model.onnx"), "quantized");
    const ref = await store.putFile(output);
    expect(existsSync(output)).toBe(false);
    expect(readFileSync(store.blobPath(ref.digest), "utf8")).toBe("quantized");
  });

  it("copies, not moves, a tmp/ file hard-linked from elsewhere", async () => {
    const { store, work } = await openStore();
    const outside = write(join(work, "user.bin"), "user data");
    const stageDir = await store.makeTempDir("stage");
    linkSync(outside, join(stageDir, "out.bin"));
    const ref = await store.putFile(join(stageDir, "out.bin"));
    expect(statSync(store.blobPath(ref.digest)).ino).not.toBe(statSync(outside).ino);
    expect(statSync(outside).mode & 0o777).toBe(0o644);
  });

  it("refuses a file that is not a regular file", async () => {
    const { store, work } = await openStore();
    await expect(store.putFile(work)).rejects.toThrow(SlmError);
  });
});

describe("Store trees", () => {
  it("gives a digest that depends only on relative paths and contents", async () => {
    const { store, work } = await openStore();
    write(join(work, "one/b.bin"), "B");
    write(join(work, "one/sub/a.txt"), "A");
    write(join(work, "two/sub/a.txt"), "A");
    write(join(work, "two/b.bin"), "B");
    const first = await store.putTree(join(work, "one"));
    const second = await store.putTree(join(work, "two"));
    expect(second).toEqual(first);
    expect(first.kind).toBe("tree");
    expect(first.size).toBe(2);
    const manifest = readFileSync(store.blobPath(first.digest), "utf8");
    expect(manifest).toBe(
      `{"entries":[{"digest":"${sha("B")}","path":"b.bin","size":1},{"digest":"${sha("A")}","path":"sub/a.txt","size":1}]}`,
    );
    expect(await store.readTree(first.digest)).toEqual([
      { path: "b.bin", digest: sha("B"), size: 1 },
      { path: "sub/a.txt", digest: sha("A"), size: 1 },
    ]);
  });

  it("consumes a directory under tmp/ and refuses symbolic links", async () => {
    const { store, work } = await openStore();
    const stageDir = await store.makeTempDir("emit");
    write(join(stageDir, "bundle/x.json"), "{}");
    await store.putTree(join(stageDir, "bundle"));
    expect(existsSync(join(stageDir, "bundle"))).toBe(false);

    write(join(work, "linked/real.txt"), "r");
    symlinkSync(join(work, "linked/real.txt"), join(work, "linked/alias.txt"));
    await expect(store.putTree(join(work, "linked"))).rejects.toThrow(/not a regular file or directory/);
  });
});

describe("Store action cache", () => {
  it("round-trips a record with extra fields and refreshes it on a hit", async () => {
    const { store, work } = await openStore();
    const file = await store.putBytes("model");
    write(join(work, "out/a.txt"), "a");
    const tree = await store.putTree(join(work, "out"));
    const record: ActionRecord = { outputs: { model: file, bundle: tree }, metrics: { accuracy: 0.91 } };
    expect(await store.getAction(KEY_A)).toBeUndefined();
    await store.putAction(KEY_A, record);
    expect(await store.getAction(KEY_A)).toEqual(record);
    expect(readFileSync(store.actionPath(KEY_A), "utf8")).toBe(
      `{"metrics":{"accuracy":0.91},"outputs":{"bundle":${JSON.stringify({ digest: tree.digest, kind: "tree", size: 1 })},` +
        `"model":${JSON.stringify({ digest: file.digest, kind: "file", size: 5 })}}}\n`,
    );
  });

  it("misses when an output blob, a tree file or the manifest is gone, or a blob is short", async () => {
    const { store, work } = await openStore();
    const file = await store.putBytes("model");
    write(join(work, "out/a.txt"), "a");
    write(join(work, "out/b.txt"), "bb");
    const tree = await store.putTree(join(work, "out"));
    await store.putAction(KEY_A, { outputs: { model: file } });
    await store.putAction(KEY_B, { outputs: { bundle: tree } });

    const shortened = store.blobPath(file.digest);
    chmodSync(shortened, 0o644);
    truncateSync(shortened, 2);
    expect(await store.getAction(KEY_A)).toBeUndefined();
    rmSync(shortened);
    expect(await store.getAction(KEY_A)).toBeUndefined();

    expect(await store.getAction(KEY_B)).toBeDefined();
    rmSync(store.blobPath(sha("bb")));
    expect(await store.getAction(KEY_B)).toBeUndefined();
    await store.putBytes("bb");
    expect(await store.getAction(KEY_B)).toBeDefined();
    rmSync(store.blobPath(tree.digest));
    const fresh = await Store.open(store.root); // no manifest cached in memory
    expect(await fresh.getAction(KEY_B)).toBeUndefined();
  });

  it("treats a damaged record as a miss and refuses records whose outputs are absent", async () => {
    const { store } = await openStore();
    const file = await store.putBytes("x");
    await store.putAction(KEY_A, { outputs: { x: file } });
    writeFileSync(store.actionPath(KEY_A), '{"outputs":{"x":{"digest":"sha256:12');
    expect(await store.getAction(KEY_A)).toBeUndefined();
    await expect(store.putAction(KEY_B, { outputs: { y: { digest: sha("absent"), size: 6, kind: "file" } } })).rejects.toThrow(
      /not in the store/,
    );
    expect(() => store.actionPath("not-a-key")).toThrow(/64 lowercase hex/);
  });

  it("never takes a stray temp file from an interrupted write for a blob or record", async () => {
    const { store } = await openStore();
    const content = "x".repeat(10_000);
    // What a writer killed mid-copy leaves behind: a prefix under tmp/, nothing at the final names.
    writeFileSync(join(store.tmpDir, `blob.99999.0123456789ab`), content.slice(0, 4096));
    writeFileSync(join(store.tmpDir, `${KEY_A.slice(2)}_json.99999.0123456789ab`), '{"outputs":{');
    expect(store.hasBlob(sha(content))).toBe(false);
    expect(await store.getAction(KEY_A)).toBeUndefined();
    const ref = await store.putBytes(content);
    expect(readFileSync(store.blobPath(ref.digest), "utf8")).toBe(content);
    expect(corruptBlobs(store.root)).toEqual([]);
  });
});

describe("Store.materialize", () => {
  it("copies a file (not a hard link), writable, and restores it after an edit", async () => {
    const { store, work } = await openStore();
    const ref = await store.putBytes("artifact");
    const dest = join(work, "build/model.onnx");
    await store.materialize(ref, dest);
    expect(readFileSync(dest, "utf8")).toBe("artifact");
    const info = statSync(dest);
    expect(info.nlink).toBe(1);
    expect(info.ino).not.toBe(statSync(store.blobPath(ref.digest)).ino);
    expect(info.mode & 0o777).toBe(0o644);
    writeFileSync(dest, "user edit");
    expect(readFileSync(store.blobPath(ref.digest), "utf8")).toBe("artifact");
    await store.materialize(ref, dest);
    expect(readFileSync(dest, "utf8")).toBe("artifact");
  });

  it("leaves a destination that already holds the content untouched", async () => {
    const { store, work } = await openStore();
    const ref = await store.putBytes("same");
    const dest = write(join(work, "build/out.bin"), "same");
    const before = statSync(dest).ino;
    await store.materialize(ref, dest);
    expect(statSync(dest).ino).toBe(before); // a copy would have renamed a new inode into place
    expect(readdirSync(join(work, "build"))).toEqual(["out.bin"]); // no temp left beside it
  });

  it("materializes a tree exactly, replacing extra files, a stale file or a file in its place", async () => {
    const { store, work } = await openStore();
    write(join(work, "src/weights/w0.bin"), "w0");
    write(join(work, "src/ir.json"), "{}");
    const tree = await store.putTree(join(work, "src"));
    const dest = join(work, "build/bundle");

    await store.materialize(tree, dest);
    const listing = (): string[] => filesUnder(dest).map((path) => path.slice(dest.length + 1));
    expect(listing()).toEqual(["ir.json", "weights/w0.bin"]);
    expect(readFileSync(join(dest, "weights/w0.bin"), "utf8")).toBe("w0");

    const unchanged = statSync(join(dest, "ir.json")).ino;
    await store.materialize(tree, dest);
    expect(statSync(join(dest, "ir.json")).ino).toBe(unchanged);

    write(join(dest, "extra.txt"), "stray");
    await store.materialize(tree, dest);
    expect(listing()).toEqual(["ir.json", "weights/w0.bin"]);

    writeFileSync(join(dest, "ir.json"), "[]");
    await store.materialize(tree, dest);
    expect(readFileSync(join(dest, "ir.json"), "utf8")).toBe("{}");

    rmSync(dest, { recursive: true });
    write(dest, "a file where the tree goes");
    await store.materialize(tree, dest);
    expect(listing()).toEqual(["ir.json", "weights/w0.bin"]);
    expect(readdirSync(join(work, "build"))).toEqual(["bundle"]);
  });

  it("says which blob is missing when the store lost one", async () => {
    const { store, work } = await openStore();
    const ref = await store.putBytes("gone soon");
    rmSync(store.blobPath(ref.digest));
    await expect(store.materialize(ref, join(work, "build/x"))).rejects.toThrow(/blob sha256:[0-9a-f]{64} is missing/);
    expect(readdirSync(join(work, "build"))).toEqual([]);
  });
});
