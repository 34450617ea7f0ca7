import { describe, expect, it } from "vitest";
import { placeOnChips, type LayerDemand } from "../../src/neuro/mapping.js";

const demand = (name: string, units: number): LayerDemand => ({ name, type: "spiking", neurons: units * 10, synapses: 0, units, reason: `${units * 10} neurons / 10 per core` });
const capacity = (chipsAllowed: number) => ({ target: "chip", unit: "cores" as const, perChip: 4, chipsAllowed, origin: "targets[0]" });

describe("placeOnChips", () => {
  it("lays layers out in order over the chips, a layer crossing a chip boundary", () => {
    const mapping = placeOnChips(capacity(2), [demand("a", 3), demand("b", 3), demand("c", 1)], [{ name: "host-0", ops: { Softmax: 1 } }], 8);
    expect(mapping.layers.map((l) => [l.name, l.first, l.chips])).toEqual([
      ["a", 0, [0]],
      ["b", 3, [0, 1]],
      ["c", 6, [1]],
    ]);
    expect({ used: mapping.used, chips: mapping.chips, available: mapping.available, utilization: mapping.utilization }).toEqual({ used: 7, chips: 2, available: 8, utilization: 0.875 });
    expect(mapping.host).toEqual([{ name: "host-0", ops: { Softmax: 1 } }]);
  });

  it("uses one chip when the network fits on one, however many are allowed", () => {
    const mapping = placeOnChips(capacity(8), [demand("a", 2)], [], 8);
    expect([mapping.chips, mapping.available, mapping.utilization]).toEqual([1, 4, 0.5]);
  });

  it("fails naming the layer that does not fit and the numbers compared", () => {
    expect(() => placeOnChips(capacity(1), [demand("a", 3), demand("b", 3), demand("c", 1)], [], 8)).toThrow(
      "layer b does not fit: it needs 3 cores (30 neurons / 10 per core), cores 3–5 of the network, but chips: 1 × 4 cores per chip = 4 cores (the network needs 7 cores: set chips: 2 on targets[0] to map it onto 2 chips)",
    );
  });
});
