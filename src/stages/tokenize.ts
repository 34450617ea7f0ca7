import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { StageKind } from "../plan/stage-kind.js";

/** What the tokenize stage writes beside the ids: enough to check a model's vocabulary later. */
export interface TokensInfo {
  tokens: number;
  vocabSize: number;
}

/**
 * Encodes an evaluation or calibration text with the model's tokenizer, once: every model
 * variant of the build reads the same ids artifact (raw little-endian int32).
 */
export const tokenizeKind: StageKind<Record<string, never>> = {
  id: "tokenize",
  version: "1",
  description: "encode a text file with the model's tokenizer.json into token ids",
  engines: ["@huggingface/tokenizers"],
  async run(ctx, inputs) {
    const { tokenizeTextFile, writeIdsFile } = await import("../eval/index.js");
    const { ids, vocabSize } = await tokenizeTextFile({
      tokenizerPath: inputs.tokenizer!,
      ...(inputs.tokenizer_config ? { tokenizerConfigPath: inputs.tokenizer_config } : {}),
      textPath: inputs.text!,
    });
    const info: TokensInfo = { tokens: ids.length, vocabSize };
    await writeIdsFile(join(ctx.workDir, "ids.bin"), ids);
    await writeFile(join(ctx.workDir, "tokens.json"), `${JSON.stringify(info)}\n`);
    return { outputs: { "ids.bin": "ids.bin", "tokens.json": "tokens.json" }, metrics: { ...info } };
  },
};
