/**
 * Atomic publication: every file slm keeps is written under a unique temporary name on the same
 * file system and renamed into place, so a reader (or a later build after a crash) sees either
 * the old content or the complete new content, never a prefix.
 */
import { randomBytes } from "node:crypto";
import { readdirSync, rmSync } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/**
 * A unique name `<label>.<pid>.<random>`. The pid lets gc tell a live writer's temp files from
 * a crashed one's (see `tempOwnerPid`); `label` is reduced to safe characters.
 */
export function uniqueName(label: string): string {
  return `${safeLabel(label)}.${process.pid}.${randomBytes(6).toString("hex")}`;
}

/** `label` with everything but `[A-Za-z0-9_-]` replaced, at most 64 characters. */
export function safeLabel(label: string): string {
  return label.replace(/[^A-Za-z0-9_-]/g, "_").slice(0, 64) || "tmp";
}

/** The pid embedded in a name made by `uniqueName`, if it has one. */
export function tempOwnerPid(name: string): number | undefined {
  const parts = name.split(".");
  const pid = Number(parts[parts.length - 2]);
  return parts.length >= 3 && Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** A store's folder of in-progress writes and stage work folders (`<root>/tmp`). */
export function storeTempDir(root: string): string {
  return join(root, "tmp");
}

/**
 * Removes, synchronously, the entries of the store's tmp/ that this process made (its pid in
 * their names): for a process about to exit on a signal, whose stages cannot finish their own
 * cleanup. Entries of other processes are never touched.
 */
export function removeOwnTempSync(storeRoot: string): void {
  const tmpDir = storeTempDir(storeRoot);
  let names: string[];
  try {
    names = readdirSync(tmpDir);
  } catch {
    return;
  }
  for (const name of names) if (tempOwnerPid(name) === process.pid) rmSync(join(tmpDir, name), { recursive: true, force: true });
}

/** True when a process with this pid exists on this machine (EPERM: it exists, owned by someone else). */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === "EPERM";
  }
}

/** The `code` of a Node system error, if any. */
export function errorCode(error: unknown): string | undefined {
  return error instanceof Error && "code" in error && typeof error.code === "string" ? error.code : undefined;
}

/**
 * Renames `temp` to `dest`, replacing whatever is there. A file replaces a file atomically. A
 * directory cannot be renamed over a non-empty one, so the old entry is first moved aside to a
 * hidden sibling and removed after: between the two renames `dest` is briefly absent (a crash
 * there leaves `dest` missing, which the next build restores, and a `.<name>.old.*` sibling).
 */
export async function replaceWith(temp: string, dest: string): Promise<void> {
  try {
    await rename(temp, dest);
    return;
  } catch (error) {
    const code = errorCode(error);
    if (code !== "EISDIR" && code !== "ENOTDIR" && code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
  }
  const aside = join(dirname(dest), `.${uniqueName(`${basename(dest)}.old`)}`);
  await rename(dest, aside);
  await rename(temp, dest);
  await rm(aside, { recursive: true, force: true });
}
