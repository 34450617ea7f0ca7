import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { h5, writeHdf5 } from "../../../targets/loihi2-sim/hdf5.js";
import { h5Datasets, h5pyMissing } from "./h5py.js";

const dir = mkdtempSync(join(tmpdir(), "slm-hdf5-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const tree = {
  version: "1.0.0",
  node: { type: "NIRGraph", edges: { strings: ["a", "b", "b", "c"], shape: [2, 2] }, w: h5.f32([1, 2, 3, 4, 5, 6], [2, 3]), n: h5.scalarI32(7), s: h5.i64([3]) },
};

describe("writeHdf5", () => {
  it("writes the same bytes for the same tree (HDF5's object timestamps pinned), leaving no temp file", async () => {
    await writeHdf5(join(dir, "a.h5"), tree);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await writeHdf5(join(dir, "b.h5"), tree);
    expect(readFileSync(join(dir, "a.h5")).equals(readFileSync(join(dir, "b.h5")))).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["a.h5", "b.h5"]);
  });

  it.skipIf(h5pyMissing() !== undefined)("writes strings, string tables, arrays and scalars that h5py reads back", async () => {
    await writeHdf5(join(dir, "c.h5"), tree);
    expect(h5Datasets(join(dir, "c.h5"))).toEqual({
      version: { kind: "O", shape: [], value: "1.0.0" },
      "node/edges": { kind: "O", shape: [2, 2], value: [["a", "b"], ["b", "c"]] },
      "node/n": { kind: "i", shape: [], value: 7 },
      "node/s": { kind: "i", shape: [1], value: [3] },
      "node/type": { kind: "O", shape: [], value: "NIRGraph" },
      "node/w": { kind: "f", shape: [2, 3], value: [[1, 2, 3], [4, 5, 6]] },
    });
  });
});
