/**
 * Writing HDF5 files with h5wasm (the HDF5 C library compiled to WebAssembly; maintained, no
 * native build). A file is described as a tree (groups of datasets) and written in one
 * synchronous pass with the wall clock pinned to 0: HDF5 stamps every object with the time it
 * was written, and pinning the clock (h5wasm reads it through Date.now) makes the same tree
 * give the same bytes. Written to a temp name in the same folder, then renamed.
 */
import { rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** A dataset: a string, a list of strings (with a shape), or a typed array with a shape ([] = scalar). */
export type H5Value = string | { strings: string[]; shape: number[] } | { array: Float32Array | Int32Array | BigInt64Array; shape: number[] };

/** A group: names → datasets or groups, written in sorted order. */
export interface H5Tree {
  [name: string]: H5Value | H5Tree;
}

/** Writes `tree` as the HDF5 file `path`. */
export async function writeHdf5(path: string, tree: H5Tree): Promise<void> {
  const h5wasm = await import("h5wasm/node");
  await h5wasm.ready;
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const now = Date.now;
  let failure: unknown;
  // Pinned only for the synchronous write: no other code runs while the clock reads 0.
  Date.now = () => 0;
  try {
    const file = new h5wasm.File(temp, "w");
    try {
      writeGroup(file, tree);
    } finally {
      file.close();
    }
  } catch (error) {
    failure = error;
  } finally {
    Date.now = now;
  }
  if (failure !== undefined) {
    await rm(temp, { force: true });
    throw failure;
  }
  await rename(temp, path);
}

interface GroupLike {
  create_group(name: string): GroupLike;
  create_dataset(args: { name: string; data: never; shape?: number[] }): unknown;
}

function writeGroup(group: GroupLike, tree: H5Tree): void {
  for (const name of Object.keys(tree).sort()) {
    const value = tree[name]!;
    if (typeof value === "string") group.create_dataset({ name, data: value as never });
    else if ("strings" in value && Array.isArray(value.strings)) group.create_dataset({ name, data: value.strings as never, shape: value.shape as number[] });
    else if ("array" in value && ArrayBuffer.isView(value.array)) group.create_dataset({ name, data: value.array as never, shape: value.shape as number[] });
    else writeGroup(group.create_group(name), value as H5Tree);
  }
}

/** Helpers for tree values. */
export const h5 = {
  f32: (values: ArrayLike<number>, shape: number[] = [values.length]): H5Value => ({ array: Float32Array.from(values), shape }),
  i32: (values: ArrayLike<number>, shape: number[] = [values.length]): H5Value => ({ array: Int32Array.from(values), shape }),
  i64: (values: readonly number[], shape: number[] = [values.length]): H5Value => ({ array: BigInt64Array.from(values, BigInt), shape }),
  scalarF32: (value: number): H5Value => ({ array: Float32Array.of(value), shape: [] }),
  scalarI32: (value: number): H5Value => ({ array: Int32Array.of(value), shape: [] }),
};
