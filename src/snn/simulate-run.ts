/**
 * The simulate stage's work (loaded only when it runs): the spiking network and the ANN it came
 * from, over the same evaluation data; accuracy or perplexity of each, their agreement, and what
 * the spiking run cost, per layer.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { InputError } from "../errors.js";
import { readClassificationJsonl, readIdsFile } from "../eval/index.js";
import { windowNllSums } from "../eval/nll.js";
import { batchSize, CAUSAL_LM_INTERFACE, CLASSIFIER_INTERFACE, findModelInterface } from "../eval/model-interface.js";
import { idsTensor, selectWindows } from "../eval/perplexity.js";
import { runSession, withSession, type EvalSession } from "../eval/session.js";
import type { StageContext, StageResult } from "../plan/stage-kind.js";
import type { TokensInfo } from "../stages/tokenize.js";
import type { Json } from "../util/canonical-json.js";
import { Agreement, argmax } from "./agreement.js";
import { readSnnIr } from "./ir-read.js";
import { DEFAULT_FRACTION_BITS, type SimulateParams } from "./simulate-kind.js";
import { costFigures, round } from "./simulate-metrics.js";
import { Simulator } from "./simulate.js";

/** Task figures of one model: the SNN's or the ANN's. */
type TaskFigures = Record<string, number>;

interface Evaluation {
  snn: TaskFigures;
  ann: TaskFigures;
  agreement: Agreement;
  /** Samples or windows. */
  units: number;
}

/** Runs the simulate stage: writes metrics.json into ctx.workDir. */
export async function runSimulate(ctx: StageContext, inputs: Readonly<Record<string, string>>, params: SimulateParams): Promise<StageResult> {
  const loaded = await readSnnIr(inputs.snn!);
  const { ir } = loaded;
  if (ir.inputs.length !== 1) {
    throw new InputError(`SNN IR: evaluation feeds one input, but the network has ${ir.inputs.length} (${ir.inputs.map((v) => v.name).join(", ")})`, { location: { file: join(inputs.snn!, "snn.json") } });
  }
  const simulator = await Simulator.open(loaded, { state: params.state, fractionBits: params.fraction_bits ?? DEFAULT_FRACTION_BITS, threads: params.threads });
  let evaluation: Evaluation;
  try {
    evaluation = await withSession(inputs.model!, { threads: params.threads, optimization: params.optimization }, (ann) =>
      params.task === "classifier" ? evaluateClassifier(ctx, simulator, ann, ir.inputs[0]!.name, inputs, params) : evaluateLm(ctx, simulator, ann, ir.inputs[0]!.name, inputs, params),
    );
  } finally {
    await simulator.close();
  }
  const { layers, spiking } = costFigures(simulator.tallies(), ir.encoding.timesteps, evaluation.units);
  const agreement = evaluation.agreement.result();
  // The spiking network's task figures at the top level (the report's row-metrics contract), the ANN's beside them.
  const figures: Record<string, Json> = {
    task: params.task,
    ...roundAll(evaluation.snn),
    encoding: { ...ir.encoding },
    decoding: ir.decoding,
    state: params.state,
    ...(params.state === "fixed" ? { fractionBits: params.fraction_bits ?? DEFAULT_FRACTION_BITS } : {}),
    units: evaluation.units,
    ann: roundAll(evaluation.ann),
    agreement: { top1: round(agreement.top1), kl: round(agreement.kl), rows: agreement.rows },
    spiking,
    layers,
  };
  await writeFile(join(ctx.workDir, "metrics.json"), `${JSON.stringify(figures, null, 2)}\n`);
  return { outputs: { "metrics.json": "metrics.json" }, metrics: figures };
}

/** The network's output that stands for the ANN's scored output `name` (the same graph output). */
function scoredOutput(outputs: ReadonlyMap<string, { data: unknown }>, name: string): Float32Array {
  const value = outputs.get(name) ?? outputs.values().next().value;
  if (!(value?.data instanceof Float32Array)) throw new InputError(`the spiking network gives no float32 output '${name}' to score`);
  return value.data;
}

/** `feed`: the SNN's input name; the ANN is fed through its own single input. */
async function evaluateClassifier(ctx: StageContext, simulator: Simulator, ann: EvalSession, feed: string, inputs: Readonly<Record<string, string>>, params: SimulateParams): Promise<Evaluation> {
  const data = await readClassificationJsonl(inputs.data!, params.samples);
  const width = simulator.inputWidth(feed);
  if (width !== undefined && width !== data.width) {
    throw new InputError(`${data.path} has ${data.width} features per sample but the spiking network's input '${feed}' takes ${width}`, { location: { file: data.path } });
  }
  const { input, output } = findModelInterface(ann, CLASSIFIER_INTERFACE);
  const batch = batchSize(ann, input, params.batch, data.count);
  const agreement = new Agreement();
  let snnCorrect = 0;
  let annCorrect = 0;
  for (let first = 0; first < data.count; first += batch) {
    ctx.signal.throwIfAborted();
    const count = Math.min(batch, data.count - first);
    const features = data.features.slice(first * data.width, (first + count) * data.width);
    const dims = [count, data.width];
    const snn = scoredOutput(await simulator.run(new Map([[feed, { type: "float32" as const, data: features, dims }]])), output.name);
    const annResult = await runSession(ann, { [input.name]: new ann.ort.Tensor("float32", features, dims) });
    const annLogits = annResult[output.name]!.data as Float32Array;
    const classes = annLogits.length / count;
    if (snn.length !== annLogits.length) throw new InputError(`the SNN gives ${snn.length / count} outputs per sample but the ANN ${classes}`);
    for (let r = 0; r < count; r++) {
      const label = data.labels[first + r]!;
      if (argmax(snn, r * classes, classes) === label) snnCorrect++;
      if (argmax(annLogits, r * classes, classes) === label) annCorrect++;
    }
    agreement.add(annLogits, snn, classes);
  }
  return {
    snn: { accuracy: snnCorrect / data.count, correct: snnCorrect, total: data.count },
    ann: { accuracy: annCorrect / data.count, correct: annCorrect, total: data.count },
    agreement,
    units: data.count,
  };
}

async function evaluateLm(ctx: StageContext, simulator: Simulator, ann: EvalSession, feed: string, inputs: Readonly<Record<string, string>>, params: SimulateParams): Promise<Evaluation> {
  const ids = await readIdsFile(inputs.ids!);
  const info = JSON.parse(await readFile(inputs.tokens!, "utf8")) as TokensInfo;
  const { window, windows, used } = selectWindows(ids, params.window, params.windows);
  const { input, output } = findModelInterface(ann, CAUSAL_LM_INTERFACE);
  const agreement = new Agreement();
  let snnNll = 0;
  let annNll = 0;
  const batch = batchSize(ann, input, params.batch, windows);
  for (let first = 0; first < windows; first += batch) {
    ctx.signal.throwIfAborted();
    const count = Math.min(batch, windows - first);
    const batchIds = used.slice(first * window, (first + count) * window);
    // The ids in the model's own input type (int64 or int32), for the network and the ANN alike.
    const tokens = idsTensor(ann, input.type, batchIds, count, window);
    const snn = scoredOutput(await simulator.run(new Map([[feed, { type: tokens.type, data: tokens.data, dims: tokens.dims }]])), output.name);
    const annResult = await runSession(ann, { [input.name]: tokens });
    const annLogits = annResult[output.name]!.data as Float32Array;
    const vocab = annLogits.length / (count * window);
    if (vocab < info.vocabSize) throw new InputError(`tokenizer/model vocabulary mismatch: ${info.vocabSize} tokens, ${vocab} logits`);
    for (const sum of windowNllSums(snn, batchIds, window, vocab)) snnNll += sum;
    for (const sum of windowNllSums(annLogits, batchIds, window, vocab)) annNll += sum;
    // The scored positions: 0 … window − 2 of each window.
    for (let w = 0; w < count; w++) agreement.add(annLogits, snn, vocab, w * window, window - 1);
  }
  const predictions = windows * (window - 1);
  const figures = (nll: number): TaskFigures => ({ perplexity: Math.exp(nll / predictions), nll: nll / predictions, predictions, windows });
  return { snn: figures(snnNll), ann: figures(annNll), agreement, units: windows };
}

function roundAll(figures: TaskFigures): Record<string, Json> {
  return Object.fromEntries(Object.entries(figures).map(([key, value]) => [key, Number.isInteger(value) ? value : round(value)]));
}
