import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SlmError } from "../../src/errors.js";
import { hashBytes, hashFile } from "../../src/store/index.js";
import { scratch, sha, write } from "./helpers.js";

const MiB = 1024 * 1024;

describe("hashFile", () => {
  it("matches sha256 of the bytes at every chunk boundary", async () => {
    const dir = scratch();
    const data = randomBytes(9 * MiB + 123);
    for (const size of [0, 1, 4 * MiB - 1, 4 * MiB, 4 * MiB + 1, 8 * MiB, data.length]) {
      const file = write(join(dir, `f${size}`), data.subarray(0, size));
      const hashed = await hashFile(file);
      expect({ digest: hashed.digest, size: hashed.size, stable: hashed.stable }).toEqual({
        digest: sha(data.subarray(0, size)),
        size,
        stable: true,
      });
    }
  });

  it("copies exactly the bytes it hashes, and never over an existing file", async () => {
    const dir = scratch();
    const data = randomBytes(9 * MiB + 7);
    for (const size of [0, 5, 4 * MiB, 4 * MiB + 1, data.length]) {
      const source = write(join(dir, `s${size}`), data.subarray(0, size));
      const hashed = await hashFile(source, join(dir, `c${size}`));
      expect(hashed.digest).toBe(sha(data.subarray(0, size)));
      expect(readFileSync(join(dir, `c${size}`)).equals(data.subarray(0, size))).toBe(true);
    }
    await expect(hashFile(join(dir, "s5"), join(dir, "c0"))).rejects.toThrow(/EEXIST/);
  });

  it("refuses a directory", async () => {
    await expect(hashFile(scratch())).rejects.toThrow(SlmError);
  });

  it("hashBytes agrees with hashFile and hashes strings as UTF-8", async () => {
    const file = write(join(scratch(), "u.txt"), "héllo");
    const fromFile = await hashFile(file);
    expect(hashBytes("héllo")).toEqual({ digest: fromFile.digest, size: 6 });
  });
});
