/**
 * The `prune:` step's params: the JSON Schema (validated and defaulted by the config module)
 * and the type the stage receives. Impossible values and params that do not belong to the
 * chosen method are schema errors with a position (`recipe[0].prune.sparsity must be a number
 * ≥ 0 and < 1 (got 1.2)`), never silently ignored knobs.
 */

export const PRUNE_METHODS = ["magnitude", "wanda", "structured"] as const;
export const PRUNE_SCOPES = ["global", "per-layer", "per-output"] as const;
export const PRUNE_PATTERNS = ["unstructured", "2:4", "4:8"] as const;
export const IMPORTANCES = ["magnitude", "activation"] as const;

export type PruneMethod = (typeof PRUNE_METHODS)[number];
export type PruneScope = (typeof PRUNE_SCOPES)[number];
export type PrunePattern = (typeof PRUNE_PATTERNS)[number];
export type Importance = (typeof IMPORTANCES)[number];

/** magnitude / wanda params, after defaults. */
export interface UnstructuredParams {
  method: "magnitude" | "wanda";
  sparsity: number;
  pattern: PrunePattern;
  /** Absent with an N:M pattern (the groups decide). */
  scope?: PruneScope;
  include: string[];
  exclude: string[];
}

/** structured params, after defaults. */
export interface StructuredParams {
  method: "structured";
  ffn: number;
  heads: number;
  importance: Importance;
  include: string[];
  exclude: string[];
}

/** Validated, defaulted params (field names are the YAML keys). */
export type PruneParams = UnstructuredParams | StructuredParams;

const fraction = (description: string) => ({ type: "number", minimum: 0, exclusiveMaximum: 1, description });
const patternList = (description: string) => ({
  type: "array",
  items: { type: "string", minLength: 1 },
  default: [],
  description,
});
/**
 * An `if` that holds when each key has the given value. A key whose default is that value
 * (method magnitude, pattern unstructured) also matches when absent; a key that must be
 * written to have the value (method wanda or structured) is required. Defaults can therefore
 * not be in place yet when the condition is tested, whatever order the validator applies them in.
 */
const when = (values: Record<string, string>, written: string[]) => ({
  required: written,
  properties: Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { const: value }])),
});

/** JSON Schema of `prune:` (draft 2020-12 subset the config module compiles with ajv). */
export const pruneSchema = {
  type: "object",
  additionalProperties: false,
  description: "Prune MatMul/Gemm weights: unstructured or N:M zeros by magnitude or Wanda score, or structured removal of FFN units and attention heads.",
  properties: {
    method: {
      enum: [...PRUNE_METHODS],
      default: "magnitude",
      description:
        "magnitude: zero the smallest |w| (torch L1Unstructured); wanda: zero the smallest |w|·‖x‖ (needs data.calibration); structured: remove whole FFN hidden units and attention heads (a smaller dense model).",
    },
    sparsity: fraction(
      "magnitude, wanda: fraction of the selected weights set to zero, round(sparsity × n) as torch does (default 0.5). With an N:M pattern it must be 1 − N/M = 0.5.",
    ),
    scope: {
      enum: [...PRUNE_SCOPES],
      description:
        "magnitude, wanda (unstructured): where the smallest are chosen: across all selected tensors (global), in each tensor (per-layer), or in each output column of each tensor (per-output, as Wanda). Default per-layer for magnitude, per-output for wanda; not used with an N:M pattern.",
    },
    pattern: {
      enum: [...PRUNE_PATTERNS],
      description:
        "magnitude, wanda: unstructured, or N:M semi-structured (keep the N largest of every M consecutive weights along the reduction axis K of each output column). Default unstructured.",
    },
    include: patternList(
      "Globs (* any run of characters, ? one character, matched against the whole name) over weight initializer names and the names of the nodes that read them; empty = every MatMul/Gemm weight except embedding tables and a tied output head. A non-empty list selects exactly the matching weights, embedding or tied head included when matched.",
    ),
    exclude: patternList("Globs (as include) of weights or nodes never pruned."),
    ffn: fraction("structured: fraction of the hidden units of each FFN (MatMul → activation → MatMul) removed (default 0.25)."),
    heads: fraction("structured: fraction of the attention heads of each attention block removed, rounded to whole heads (default 0)."),
    importance: {
      enum: [...IMPORTANCES],
      description:
        "structured: how units and heads are ranked: magnitude (norm of their incoming × outgoing weights) or activation (calibration activation norm × outgoing weight norm; needs data.calibration). Default magnitude.",
    },
  },
  allOf: [
    {
      // Each method's own knobs get their defaults; the other methods' knobs are errors.
      if: when({ method: "structured" }, ["method"]),
      then: {
        properties: {
          sparsity: false,
          scope: false,
          pattern: false,
          ffn: { default: 0.25 },
          heads: { default: 0 },
          importance: { default: "magnitude" },
        },
      },
      else: {
        properties: { ffn: false, heads: false, importance: false, sparsity: { default: 0.5 }, pattern: { default: "unstructured" } },
      },
    },
    {
      // N:M fixes the sparsity and has no scope: each group of M keeps N.
      if: { required: ["pattern"], properties: { pattern: { enum: ["2:4", "4:8"] } } },
      then: { properties: { sparsity: { const: 0.5 }, scope: false } },
    },
    { if: when({ method: "magnitude", pattern: "unstructured" }, []), then: { properties: { scope: { default: "per-layer" } } } },
    { if: when({ method: "wanda", pattern: "unstructured" }, ["method"]), then: { properties: { scope: { default: "per-output" } } } },
  ],
} as const;

/** Whether these params read activation statistics (Wanda scores, activation importance). */
export function prunesWithActivations(params: { readonly method?: unknown; readonly importance?: unknown }): boolean {
  return params.method === "wanda" || (params.method === "structured" && params.importance === "activation");
}
