/** Paths to the real test models and their reference numbers (models/README.md). */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const modelsDir = fileURLToPath(new URL("../../models/", import.meta.url));

export const lm = {
  dir: `${modelsDir}gpt-relu-brown`,
  model: `${modelsDir}gpt-relu-brown/model.onnx`,
  tokenizer: `${modelsDir}gpt-relu-brown/tokenizer.json`,
  tokenizerConfig: `${modelsDir}gpt-relu-brown/tokenizer_config.json`,
  evalText: `${modelsDir}gpt-relu-brown/eval.txt`,
  evalIds: `${modelsDir}gpt-relu-brown/eval-ids.json`,
  metrics: `${modelsDir}gpt-relu-brown/metrics.json`,
};

export const mlp = {
  model: `${modelsDir}brown-genre-mlp/model.onnx`,
  evalJsonl: `${modelsDir}brown-genre-mlp/eval.jsonl`,
  metrics: `${modelsDir}brown-genre-mlp/metrics.json`,
};

export function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, "utf8")) as T;
}

/** The 64 windows of eval-ids.json, back to back. */
export function evalIdsFlat(): Int32Array {
  return Int32Array.from(readJson<number[][]>(lm.evalIds).flat());
}
