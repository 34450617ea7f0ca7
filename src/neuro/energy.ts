/**
 * The generic 45 nm op-count energy model (Horowitz, "Computing's energy problem", ISSCC 2014),
 * the same for every target, so chips can be compared on one scale beside their own models:
 *
 *   E_ANN = E_MAC · MACs
 *   E_SNN = E_MAC · MACs_dense + E_AC · SynOps
 *
 * SynOps are the simulator's counted synaptic events (Σ_l rate_{l−1} · T · MACs_l over stored,
 * nonzero synapses, exactly). MACs_dense are what is computed densely: the host layers' MACs, at
 * fp32 (the host runs the float ONNX ops), and the encoders' input accumulations (one add per
 * feature per timestep, at the chip's precision). The chip's precision is chosen from the bits
 * its weights are stored in.
 */
import type { Evidence } from "./profile.js";

/** Horowitz 2014, 45 nm, pJ per operation (a MAC is a multiply plus an add; AC an add). */
export const HOROWITZ_45NM = {
  fp32: { mac: 4.6, ac: 0.9 },
  fp16: { mac: 1.5, ac: 0.4 },
  int8: { mac: 0.23, ac: 0.03 },
} as const;

export type Precision = keyof typeof HOROWITZ_45NM;

export const GENERIC_MODEL = "45 nm op-count model (Horowitz, ISSCC 2014)";
/** Counted ops × published 45 nm per-op energies: arithmetic on published figures, not this chip's. */
export const GENERIC_EVIDENCE: Evidence = "derived";

/** The table's precision for weights of `bits`: ≤ 8 int8, ≤ 16 fp16, else fp32. */
export function precisionForBits(bits: number): Precision {
  return bits <= 8 ? "int8" : bits <= 16 ? "fp16" : "fp32";
}

/** E_ANN in pJ: every MAC of the network at `precision`. */
export function annEnergyPj(macs: number, precision: Precision): number {
  return HOROWITZ_45NM[precision].mac * macs;
}

/** Per-inference counts the generic SNN energy reads. */
export interface SnnOpCounts {
  synapticOps: number;
  /** Encoder neurons' input accumulations (features × timesteps per inference). */
  encoderUpdates: number;
  /** MACs computed on the host (float). */
  hostMacs: number;
}

/** E_SNN in pJ, and the formula with the numbers in it. */
export function snnEnergyPj(counts: SnnOpCounts, precision: Precision): { pj: number; formula: string } {
  const chip = HOROWITZ_45NM[precision];
  const host = HOROWITZ_45NM.fp32;
  const pj = chip.ac * counts.synapticOps + chip.ac * counts.encoderUpdates + host.mac * counts.hostMacs;
  const formula =
    `E_AC(${precision}) × SynOps + E_AC(${precision}) × EncoderAdds + E_MAC(fp32) × HostMACs = ` +
    `${chip.ac} pJ × ${fmt(counts.synapticOps)} + ${chip.ac} pJ × ${fmt(counts.encoderUpdates)} + ${host.mac} pJ × ${fmt(counts.hostMacs)}`;
  return { pj, formula };
}

/** A number as text in formulas: from 1,000 up rounded with separators, below that to 4 significant digits. */
export function fmt(value: number): string {
  return Number.isInteger(value) || Math.abs(value) >= 1000 ? Math.round(value).toLocaleString("en-US") : String(Number(value.toPrecision(4)));
}
