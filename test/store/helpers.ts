/** Shared fixtures for the store tests: scratch dirs, file ageing, integrity checks. */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach } from "vitest";

const scratchDirs: string[] = [];

/** A fresh scratch directory, removed after the test. */
export function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), "slm-store-test-"));
  scratchDirs.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Writes a file, creating parent directories. */
export function write(path: string, content: string | Uint8Array): string {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
  return path;
}

/** `sha256:<hex>` of bytes, computed independently of the store. */
export function sha(content: string | Uint8Array): `sha256:${string}` {
  return `sha256:${createHash("sha256").update(content).digest("hex")}`;
}

/** Sets a file's atime and mtime to `ms` milliseconds ago. */
export function age(path: string, ms: number): void {
  const when = new Date(Date.now() - ms);
  utimesSync(path, when, when);
}

/** Every file under `dir` (recursive), absolute paths, sorted. */
export function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (current: string): void => {
    let names: string[];
    try {
      names = readdirSync(current);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      const path = join(current, name);
      if (statSync(path).isDirectory()) walk(path);
      else out.push(path);
    }
  };
  walk(dir);
  return out;
}

/** Ages every file in the store by `ms`, as if it had all been written that long ago. */
export function ageStore(root: string, ms: number): void {
  for (const path of filesUnder(root)) age(path, ms);
}

/** Blobs whose content does not hash to their name (a healthy store has none). */
export function corruptBlobs(root: string): string[] {
  return filesUnder(join(root, "cas")).filter((path) => {
    const name = path.split("/").slice(-2).join("");
    return sha(readFileSync(path)) !== `sha256:${name}`;
  });
}

/** Waits until the file system's clock has moved past `ns` (so files stamped at `ns` are no longer racy). */
export async function waitForClockPast(ns: bigint, probeDir: string): Promise<void> {
  const probe = join(probeDir, "clock-probe");
  for (;;) {
    writeFileSync(probe, "x");
    if (statSync(probe, { bigint: true }).mtimeNs > ns) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

/** Waits until a file's mtime and ctime are both strictly older than the file system's clock. */
export async function settle(path: string, probeDir: string): Promise<void> {
  const info = statSync(path, { bigint: true });
  await waitForClockPast(info.mtimeNs > info.ctimeNs ? info.mtimeNs : info.ctimeNs, probeDir);
}
