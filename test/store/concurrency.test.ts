/**
 * Several processes on one store. The children are plain Node scripts (workers/*.mjs) running the
 * store compiled by tsc into a private directory, so this test never depends on a stale dist/.
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Store } from "../../src/store/index.js";
import { corruptBlobs, filesUnder, scratch } from "./helpers.js";

const repo = resolve(import.meta.dirname, "../..");
const workers = join(repo, "test/store/workers");
let buildDir: string;
let storeModule: string;

beforeAll(() => {
  buildDir = mkdtempSync(join(tmpdir(), "slm-store-build-"));
  const config = {
    extends: join(repo, "tsconfig.json"),
    // typeRoots: @types/node is found from the config's folder up, and this one is in the temp dir.
    compilerOptions: { outDir: join(buildDir, "out"), rootDir: join(repo, "src"), sourceMap: false, typeRoots: [join(repo, "node_modules/@types")] },
    include: [join(repo, "src/store/**/*.ts")],
  };
  writeFileSync(join(buildDir, "tsconfig.json"), JSON.stringify(config));
  execFileSync(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", join(buildDir, "tsconfig.json")], {
    stdio: "pipe",
  });
  writeFileSync(join(buildDir, "out/package.json"), '{"type":"module"}');
  storeModule = join(buildDir, "out/store/index.js");
});

afterAll(() => rmSync(buildDir, { recursive: true, force: true }));

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a worker script; `onLine` sees each stdout line as it arrives. */
function runWorker(script: string, args: string[], onLine?: (line: string, child: ReturnType<typeof spawn>) => void): Promise<Exit> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(workers, script), storeModule, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let pending = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk;
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) onLine?.(line, child);
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
  });
}

describe("Store shared by processes", () => {
  it("two processes writing the same blobs, trees and records at once both succeed", async () => {
    const root = join(scratch(), ".slm");
    const results = await Promise.all(["1", "2"].map((id) => runWorker("hammer.mjs", [root, id, "60"])));
    for (const [i, result] of results.entries()) {
      expect(result.stderr).toBe("");
      expect(result).toMatchObject({ code: 0, stdout: `done ${i + 1}\n` });
    }
    expect(corruptBlobs(root)).toEqual([]);
    expect(readdirSync(join(root, "tmp"))).toEqual([]);
    const store = await Store.open(root);
    const records = filesUnder(join(root, "ac"));
    expect(records).toHaveLength(6);
    for (const path of records) {
      const key = path.split("/").slice(-2).join("").replace(".json", "");
      expect(await store.getAction(key)).toBeDefined();
    }
    expect(JSON.parse(readFileSync(join(root, "stat-cache.json"), "utf8")).version).toBe(1);
  });

  it("a writer killed at arbitrary points leaves no damaged blob and no false hit", async () => {
    const root = join(scratch(), ".slm");
    const completed: string[] = [];
    for (const delayMs of [0, 7, 23]) {
      let killed = false;
      const exit = await runWorker("writer.mjs", [root], (line, child) => {
        completed.push(line.slice(3));
        if (!killed && completed.length % 3 === 0) {
          killed = true;
          setTimeout(() => child.kill("SIGKILL"), delayMs);
        }
      });
      expect(exit.signal).toBe("SIGKILL");
    }
    expect(corruptBlobs(root)).toEqual([]);
    const store = await Store.open(root);
    for (const key of completed) expect(await store.getAction(key)).toBeDefined();
    // Whatever the kill interrupted is at most a temp file or a record that names present blobs.
    for (const path of filesUnder(join(root, "ac"))) {
      const key = path.split("/").slice(-2).join("").replace(".json", "");
      expect(await store.getAction(key)).toBeDefined();
    }
  });
});
