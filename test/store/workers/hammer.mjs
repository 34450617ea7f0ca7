// Child process for concurrency.test.ts: builds the same blobs, trees and action records as its
// sibling, at the same time, in the same store. Exits non-zero on any inconsistency.
// argv: <compiled store module> <store root> <worker id> <rounds>
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [modulePath, root, id, rounds] = process.argv.slice(2);
const { Store, gc } = await import(modulePath);
const store = await Store.open(root);
const work = join(root, "..", `work-${id}`);
mkdirSync(work, { recursive: true });

const payload = (j) => Buffer.alloc(256 * 1024 + j, j + 1);
const key = (j) => createHash("sha256").update(`action ${j}`).digest("hex");
const fail = (message) => {
  throw new Error(`worker ${id}: ${message}`);
};

for (let i = 0; i < Number(rounds); i++) {
  const j = i % 6;
  const bytes = await store.putBytes(payload(j));
  const source = join(work, `src-${j}.bin`);
  writeFileSync(source, payload(j));
  const file = await store.putFile(source);
  if (file.digest !== bytes.digest) fail(`putFile and putBytes disagree on payload ${j}`);

  const stageDir = await store.makeTempDir(`stage-${j}`);
  mkdirSync(join(stageDir, "out/sub"), { recursive: true });
  writeFileSync(join(stageDir, "out/a.bin"), payload(j));
  writeFileSync(join(stageDir, "out/sub/b.txt"), `tree ${j}`);
  const tree = await store.putTree(join(stageDir, "out"));
  rmSync(stageDir, { recursive: true });

  await store.putAction(key(j), { outputs: { file, tree }, round: j });
  const hit = await store.getAction(key(j));
  if (!hit || hit.outputs.tree.digest !== tree.digest || hit.outputs.file.digest !== file.digest) fail(`miss on key ${j}`);

  const dest = join(work, "build", `t${j}`);
  await store.materialize(tree, dest);
  if (!readFileSync(join(dest, "a.bin")).equals(payload(j))) fail(`materialized tree ${j} differs`);
  if ((await store.statCache.digestFile(source)).digest !== file.digest) fail(`stat cache digest of ${j} differs`);
  // A gc at the same time as building must not break either: everything here is young.
  if (i % 10 === 5) await gc(store, { maxBytes: 0, keepKeys: new Set() });
}
await store.statCache.save();
process.stdout.write(`done ${id}\n`);
