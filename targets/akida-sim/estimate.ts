/**
 * estimate:akida-sim — Akida's own energy and latency per inference from a measured board figure
 * (the framework adds host time, host energy, the generic 45 nm figure and the row;
 * src/neuro/estimate.ts). BrainChip publishes no per-operation energy; the reference board's
 * MetaTF output gives power and frames per second for a network that kept a known number of NPs
 * busy (DS-CNN keyword spotting: 65 NPs, 62.5 fps, 914 mW).
 *
 *   chip energy  = passes × board power ÷ fps × NPs used / NPs of the reference
 *   chip latency = passes × 1 ÷ fps × NPs used / NPs of the reference
 *
 * passes per inference: 1 for a sample; an LM window runs one pass per token position.
 *
 * power ÷ fps is derived from the measurement (14.62 mJ a frame); scaling it by the NPs a network
 * uses is an assumption (the figure is mostly the board's floor power, spread over the NPs the
 * reference kept busy), so both figures carry the evidence `assumed`.
 */
import { SlmError } from "../../src/errors.js";
import { estimateKind as chipEstimateKind, fmt, type ChipModel, type EstimateInput, type EstimateParams, type FactParam, type Term } from "../../src/neuro/index.js";

/** Profile facts estimate reads (bound whole, so each figure carries their evidence). */
export interface AkidaEstimateParams extends EstimateParams {
  board_power: FactParam;
  board_fps: FactParam;
  board_nps: FactParam;
}

/** The NP scaling's evidence: an assumption (see the module comment). */
const SCALING_EVIDENCE = "assumed";

/**
 * Board energy per frame in J (power ÷ fps), the frame time, the share of the reference's NPs this
 * network uses, and the passes one inference takes (its rows: the legalized network has T = 1).
 */
export function boardFigures(params: AkidaEstimateParams, input: EstimateInput): { joulesPerFrame: number; secondsPerFrame: number; share: number; passes: number } {
  const fps = valueIn(params.board_fps, "fps", "timing.board_fps");
  return {
    joulesPerFrame: valueIn(params.board_power, "W", "energy.board_power") / fps,
    secondsPerFrame: 1 / fps,
    share: input.mapping.used / valueIn(params.board_nps, "NPs", "timing.board_nps"),
    passes: input.perInference.timesteps / Math.max(1, input.simulation.encoding.timesteps),
  };
}

/** Akida's chip model: the measured board energy and frame time, scaled by NPs used. */
export const akidaModel: ChipModel<AkidaEstimateParams> = {
  energyModel: "AKD1000 board measurement (MetaTF, DS-CNN keyword spotting): power ÷ fps, scaled by NPs used (assumed)",
  latencyModel: "AKD1000 board frame time (MetaTF, DS-CNN keyword spotting): 1 ÷ fps, scaled by NPs used (assumed)",
  chipSeconds(input, params): Term {
    const board = boardFigures(params, input);
    return {
      value: board.passes * board.secondsPerFrame * board.share,
      formula: `passes × 1 / fps × NPs used / NPs of the reference = ${fmt(board.passes)} × 1 / ${params.board_fps.value} fps × ${input.mapping.used} / ${params.board_nps.value}`,
      evidence: SCALING_EVIDENCE,
    };
  },
  chipJoules(input, params) {
    const board = boardFigures(params, input);
    const joules = board.passes * board.joulesPerFrame * board.share;
    return {
      value: joules,
      formula:
        `passes × board power / fps × NPs used / NPs of the reference = ${fmt(board.passes)} × ${params.board_power.value} W / ${params.board_fps.value} fps × ${input.mapping.used} / ${params.board_nps.value} ` +
        `(${fmt(board.joulesPerFrame * 1e3)} mJ a frame on the reference, ${params.board_power.evidence})`,
      evidence: SCALING_EVIDENCE,
      parts: { board: joules * 1e6 },
    };
  },
};

/** Stage kind `estimate:akida-sim`. */
export const estimateKind = chipEstimateKind("akida-sim", "1", akidaModel);

/** A fact's value in the unit the formula computes in; a stage error when the profile uses another. */
function valueIn(fact: FactParam, unit: string, path: string): number {
  if (fact.unit !== unit) throw new SlmError(`akida-sim profile: ${path} must be given in ${unit} (got ${fact.unit})`);
  return Number(fact.value);
}
