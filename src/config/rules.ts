/**
 * Checks across fields that a JSON Schema does not say well, as small rules that each return
 * located issues (style.md item 4). They run on every config, valid or not, so each rule reads
 * only what it needs and skips values of the wrong type (the schema reports those).
 */
import { type ConfigPath, isRecord, valueAt } from "./config-path.js";
import { didYouMean } from "./did-you-mean.js";
import { dataFormat } from "./normalize.js";
import type { Issue } from "./sources.js";
import type { Task } from "./types.js";

export interface RuleInput {
  /** The config after validation, defaults applied. */
  value: unknown;
  /** The config as written (after `--set`), before defaults: what the user asked for. */
  written: unknown;
}

/** One cross-field check: the issues it finds, each at the path to fix. */
export type Rule = (input: RuleInput) => Issue[];

const DATA_SETS = ["evaluation", "calibration"] as const;
const LINE_SHAPE = '{"features": [...], "label": k}';

const taskOf = (value: unknown): Task | undefined => {
  const task = valueAt(value, ["model", "task"]);
  return task === "causal-lm" || task === "classifier" ? task : undefined;
};

/** Fields written for the other task: `windows` for a classifier, `samples` for a causal LM. */
function onlyFor(task: Task, keys: readonly string[]): Rule {
  return ({ value, written }) => {
    const actual = taskOf(value);
    if (actual === undefined || actual === task) return [];
    return DATA_SETS.flatMap((set) =>
      keys
        .map((key): ConfigPath => ["data", set, key])
        .filter((path) => valueAt(written, path) !== undefined)
        .map((path) => ({ path, message: `is only for ${task} models (model.task is ${actual})` })),
    );
  };
}

/** A classifier reads precomputed features, one JSON object per line. */
const classifierDataIsJsonl: Rule = ({ value, written }) => {
  if (taskOf(value) !== "classifier") return [];
  return DATA_SETS.flatMap((set): Issue[] => {
    const data = valueAt(value, ["data", set]);
    if (!isRecord(data) || typeof data.path !== "string" || (data.format !== undefined && data.format !== "text")) return [];
    if (dataFormat({ path: data.path, format: data.format }) === "jsonl") return [];
    return valueAt(written, ["data", set, "format"]) !== undefined
      ? [{ path: ["data", set, "format"], message: `must be jsonl for a classifier, one ${LINE_SHAPE} per line (got "text")` }]
      : [{ path: ["data", set, "path"], message: `must be a .jsonl file for a classifier, one ${LINE_SHAPE} per line (or set format: jsonl)` }];
  });
};

const labelsOnlyForClassifier: Rule = ({ value, written }) =>
  taskOf(value) === "causal-lm" && valueAt(written, ["model", "labels"]) !== undefined
    ? [{ path: ["model", "labels"], message: "is only for classifier models (model.task is causal-lm)" }]
    : [];

/** Each target is built into its own folder under its name, so a name may appear once. */
const targetsListedOnce: Rule = ({ value }) => {
  const targets = valueAt(value, ["targets"]);
  if (!Array.isArray(targets)) return [];
  const first = new Map<string, number>();
  return targets.flatMap((item, index): Issue[] => {
    const name = isRecord(item) ? item.name : undefined;
    if (typeof name !== "string") return [];
    const earlier = first.get(name);
    if (earlier !== undefined) return [{ path: ["targets", index], message: `names target "${name}" again (already targets[${earlier}])` }];
    first.set(name, index);
    return [];
  });
};

/** `gates.targets.<name>` must name a target of the config: a gate on nothing would silently pass. */
const gateTargetsListed: Rule = ({ value }) => {
  const scoped = valueAt(value, ["gates", "targets"]);
  if (!isRecord(scoped)) return [];
  const targets = valueAt(value, ["targets"]);
  const names = (Array.isArray(targets) ? targets : []).flatMap((item) => (isRecord(item) && typeof item.name === "string" ? [item.name] : []));
  return Object.keys(scoped)
    .filter((name) => !names.includes(name))
    .map((name) => ({
      path: ["gates", "targets", name],
      message: `names target "${name}", which is not in targets${names.length > 0 ? didYouMean(name, names) : " (the config lists no targets)"}`,
    }));
};

/** A gate on the other task's figure (perplexity of a classifier) could never be checked. */
const gatesMatchTask: Rule = ({ value }) => {
  const task = taskOf(value);
  const gates = valueAt(value, ["gates"]);
  if (task === undefined || !isRecord(gates)) return [];
  const [wrong, instead] = task === "classifier" ? ["perplexity_increase", "accuracy_drop"] : ["accuracy_drop", "perplexity_increase"];
  const scoped = isRecord(gates.targets) ? Object.keys(gates.targets).map((name): ConfigPath => ["gates", "targets", name]) : [];
  return [["gates"] as ConfigPath, ...scoped]
    .map((parent): ConfigPath => [...parent, wrong])
    .filter((path) => valueAt(value, path) !== undefined)
    .map((path) => ({ path, message: `is only for ${task === "classifier" ? "causal-lm" : "classifier"} models (model.task is ${task}); use ${instead}` }));
};

/** Every cross-field rule, in the order their messages are listed. */
export const RULES: readonly Rule[] = [
  onlyFor("causal-lm", ["window", "windows"]),
  onlyFor("classifier", ["samples"]),
  classifierDataIsJsonl,
  labelsOnlyForClassifier,
  targetsListedOnce,
  gateTargetsListed,
  gatesMatchTask,
];

/** The issues of every rule. */
export function crossFieldIssues(input: RuleInput): Issue[] {
  return RULES.flatMap((rule) => rule(input));
}
