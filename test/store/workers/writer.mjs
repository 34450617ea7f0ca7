// Child process for concurrency.test.ts: writes blobs, trees and records until it is killed.
// After each complete action it prints `ok <key>`.
// argv: <compiled store module> <store root>
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [modulePath, root] = process.argv.slice(2);
const { Store } = await import(modulePath);
const store = await Store.open(root);
const work = join(root, "..", `writer-${process.pid}`);
mkdirSync(work, { recursive: true });

for (;;) {
  const bytes = await store.putBytes(randomBytes(3 * 1024 * 1024));
  const source = join(work, "input.bin");
  writeFileSync(source, randomBytes(3 * 1024 * 1024));
  const file = await store.putFile(source);
  const stageDir = await store.makeTempDir("stage");
  writeFileSync(join(stageDir, "a.bin"), randomBytes(2 * 1024 * 1024));
  writeFileSync(join(stageDir, "b.bin"), randomBytes(1024 * 1024));
  const tree = await store.putTree(stageDir);
  const key = randomBytes(32).toString("hex");
  await store.putAction(key, { outputs: { bytes, file, tree } });
  process.stdout.write(`ok ${key}\n`);
}
