import { randomBytes } from "node:crypto";
import { link, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { InputError } from "../errors.js";
import { isProcessAlive } from "../store/fs-atomic.js";
import type { OutputRef } from "../store/action-record.js";
import type { Store } from "../store/store.js";
import { writeFileAtomic } from "../util/file-io.js";

/** The build folder's own record of what it holds, so a no-op build can leave it alone. */
const MANIFEST = ".slm-build.json";

export interface MaterializedFile {
  /** Path under the build folder, posix separators. */
  path: string;
  ref: OutputRef;
}

interface Manifest {
  files: Record<string, string>;
}

/**
 * Makes the build folder hold exactly `files` plus the small `extras` (reports), as one step:
 * when the artifacts are already there (same digests, files unchanged on disk) only the extras
 * are rewritten, each atomically; otherwise a complete new folder is assembled beside the old
 * one (unchanged artifacts hard-linked from it, the rest copied from the store) and swapped in,
 * so an interrupted build leaves either the old folder or the new one, never a mix.
 */
export async function materializeBuild(
  outDir: string,
  files: readonly MaterializedFile[],
  extras: Readonly<Record<string, string>>,
  store: Store,
): Promise<void> {
  const wanted: Manifest = { files: Object.fromEntries(files.map((f) => [f.path, f.ref.digest]).sort()) };
  const previous = await readManifest(outDir);
  if (!previous) await requireBuildFolder(outDir);
  if (previous && (await holdsExactly(outDir, previous, files, store))) {
    for (const [path, text] of Object.entries(extras)) await writeFileAtomic(join(outDir, path), text);
    return;
  }
  await removeLeftovers(outDir);
  const staging = `${outDir}.tmp-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await mkdir(staging, { recursive: true });
    for (const file of files) {
      const dest = join(staging, file.path);
      await mkdir(dirname(dest), { recursive: true });
      const reused = previous?.files[file.path] === file.ref.digest && (await tryLink(join(outDir, file.path), dest, file.ref, store));
      if (!reused) await store.materialize(file.ref, dest);
    }
    for (const [path, text] of Object.entries(extras)) {
      await mkdir(dirname(join(staging, path)), { recursive: true });
      await writeFile(join(staging, path), text);
    }
    await writeFile(join(staging, MANIFEST), `${JSON.stringify(wanted, null, 2)}\n`);
    await swapIn(staging, outDir);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * Refuses to replace a folder slm did not make: one that exists, is not empty and has no
 * manifest. (The config check, build-folders.ts, catches the folders it can name; this catches
 * the rest, such as a folder of the user's own files at the out_dir path.)
 */
export async function requireBuildFolder(outDir: string): Promise<void> {
  const entries = await readdir(outDir).catch(() => [] as string[]);
  if (entries.length === 0 || entries.includes(MANIFEST)) return;
  throw new InputError(
    `${outDir} is not a build folder slm made (it has files and no ${MANIFEST}), and a build would replace it: move it away, or set build.out_dir to another folder`,
  );
}

/** Staging and retired folders that a killed build left beside the build folder. */
async function removeLeftovers(outDir: string): Promise<void> {
  const prefix = basename(outDir);
  const names = await readdir(dirname(outDir)).catch(() => [] as string[]);
  for (const name of names) {
    const match = /^(?:tmp|old)-(\d+)-[0-9a-f]{8}$/.exec(name.startsWith(`${prefix}.`) ? name.slice(prefix.length + 1) : "");
    if (match && !isProcessAlive(Number(match[1]))) await rm(join(dirname(outDir), name), { recursive: true, force: true });
  }
}

async function readManifest(outDir: string): Promise<Manifest | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(outDir, MANIFEST), "utf8")) as Manifest;
    return typeof parsed.files === "object" && parsed.files !== null ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** True when the folder's record lists exactly `files` and each (a file or a whole tree) is unchanged on disk. */
async function holdsExactly(outDir: string, previous: Manifest, files: readonly MaterializedFile[], store: Store): Promise<boolean> {
  if (files.length !== Object.keys(previous.files).length) return false;
  for (const file of files) {
    if (previous.files[file.path] !== file.ref.digest) return false;
    if (!(await store.holds(file.ref, join(outDir, file.path)).catch(() => false))) return false;
  }
  return true;
}

async function tryLink(from: string, to: string, ref: OutputRef, store: Store): Promise<boolean> {
  if (ref.kind !== "file" || !(await store.holds(ref, from).catch(() => false))) return false;
  try {
    await link(from, to);
    return true;
  } catch {
    return false;
  }
}

/** Replaces outDir by staging; a concurrent build doing the same may win the race, which is fine. */
async function swapIn(staging: string, outDir: string): Promise<void> {
  const retired: string[] = [];
  for (let attempt = 0; ; attempt++) {
    const old = `${outDir}.old-${process.pid}-${randomBytes(4).toString("hex")}`;
    try {
      await rename(outDir, old);
      retired.push(old);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    try {
      await rename(staging, outDir);
      break;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== "ENOTEMPTY" && code !== "EEXIST") || attempt === 4) throw error;
    }
  }
  await Promise.all(retired.map((dir) => rm(dir, { recursive: true, force: true })));
}

