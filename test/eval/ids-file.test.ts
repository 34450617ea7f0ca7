import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { readIdsFile, writeIdsFile } from "../../src/eval/ids-file.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "slm-eval-ids-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("ids file", () => {
  it("stores little-endian int32 without a header and reads it back", async () => {
    const path = join(dir, "ids.bin");
    const ids = Int32Array.from([0, 1, 255, 1023, 65_536, -1, 2_147_483_647]);
    await writeIdsFile(path, ids);
    const bytes = await readFile(path);
    expect(bytes.length).toBe(ids.length * 4);
    expect([...bytes.subarray(0, 12)]).toEqual([0, 0, 0, 0, 1, 0, 0, 0, 255, 0, 0, 0]);
    expect([...bytes.subarray(16, 20)]).toEqual([0, 0, 1, 0]);
    expect(await readIdsFile(path)).toEqual(ids);
    // Nothing but the file itself is left in the folder: the temp file was renamed into place.
    expect(await readdir(dir)).toEqual(["ids.bin"]);
  });

  it("rejects a file that is not a whole number of int32", async () => {
    const path = join(dir, "odd.bin");
    await writeFile(path, Buffer.from([1, 0, 0, 0, 2, 0]));
    const error = await readIdsFile(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toMatch(/6 bytes/);
    expect((error as InputError).location?.file).toBe(path);
  });

  it("names a missing file", async () => {
    await expect(readIdsFile(join(dir, "missing.bin"))).rejects.toThrow(/token ids file does not exist/);
  });
});
