/**
 * Neural processors (NPs) for Akida's fully connected layers, allocated by their SRAM budgets
 * (pure arithmetic; the map stage applies it, the bundle records it).
 *
 * Each NP has a weight SRAM of `weightWords` words of `weightWordBits` bits and an input SRAM of
 * `inputWords` words of 32 bits (the profile's figures: Akida 1.0 7K × 50-bit and 2 × 5.25K ×
 * 32-bit, Akida 2.0 4K × 100-bit and 2 × 8K × 32-bit). A dense layer with fan-in F and fan-out N,
 * weights of w bits and input activations of a bits:
 *
 * - a neuron's weights are packed ⌊weightWordBits / w⌋ to a word and never straddle a word:
 *   words per neuron = ⌈F / ⌊weightWordBits / w⌋⌉;
 * - an NP holds whole neurons: neurons per NP = ⌊weightWords / words per neuron⌋, and the layer
 *   takes ⌈N / neurons per NP⌉ NPs (neurons are not split across NPs: each NP sums its neurons'
 *   full fan-in);
 * - every NP of the layer buffers the whole input, packed ⌊32 / a⌋ activations to a word:
 *   ⌈F / ⌊32 / a⌋⌉ words must fit its input SRAM (both banks), else the layer cannot run.
 *
 * Utilization of the layer's weight SRAM = F·N·w / (NPs · weightWords · weightWordBits).
 */
import { SlmError } from "../../src/errors.js";

/** One NP's memories (profile constraints of the chosen Akida version). */
export interface NpBudget {
  weightWords: number;
  weightWordBits: number;
  inputWords: number;
  inputWordBits: number;
}

/** A dense layer's NP allocation. */
export interface NpAllocation {
  name: string;
  inFeatures: number;
  outFeatures: number;
  weightBits: number;
  activationBits: number;
  wordsPerNeuron: number;
  neuronsPerNp: number;
  nps: number;
  inputWords: number;
  /** Weight bits stored / weight SRAM bits of the layer's NPs. */
  weightUtilization: number;
}

/** Allocates NPs to a dense layer; throws a stage error naming the layer when it cannot fit. */
export function allocateNps(
  layer: { name: string; inFeatures: number; outFeatures: number },
  weightBits: number,
  activationBits: number,
  budget: NpBudget,
): NpAllocation {
  const perWord = Math.floor(budget.weightWordBits / weightBits);
  const wordsPerNeuron = Math.ceil(layer.inFeatures / perWord);
  const neuronsPerNp = Math.floor(budget.weightWords / wordsPerNeuron);
  if (neuronsPerNp < 1) {
    throw new SlmError(
      `akida-sim: layer ${layer.name}: one neuron's ${layer.inFeatures} weights of ${weightBits} bits need ${wordsPerNeuron} words, more than an NP's weight SRAM (${budget.weightWords} words of ${budget.weightWordBits} bits)`,
    );
  }
  const inputWords = Math.ceil(layer.inFeatures / Math.floor(budget.inputWordBits / activationBits));
  if (inputWords > budget.inputWords) {
    throw new SlmError(
      `akida-sim: layer ${layer.name}: its ${layer.inFeatures} inputs of ${activationBits} bits need ${inputWords} words of input SRAM, more than an NP has (${budget.inputWords} words of ${budget.inputWordBits} bits)`,
    );
  }
  const nps = Math.ceil(layer.outFeatures / neuronsPerNp);
  const stored = layer.inFeatures * layer.outFeatures * weightBits;
  return {
    name: layer.name,
    inFeatures: layer.inFeatures,
    outFeatures: layer.outFeatures,
    weightBits,
    activationBits,
    wordsPerNeuron,
    neuronsPerNp,
    nps,
    inputWords,
    weightUtilization: Number((stored / (nps * budget.weightWords * budget.weightWordBits)).toPrecision(6)),
  };
}
