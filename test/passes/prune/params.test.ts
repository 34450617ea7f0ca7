import { describe, expect, it } from "vitest";
import { SlmError } from "../../../src/errors.js";
import { describeParams } from "../../../src/exec/describe-params.js";
import { prunePass } from "../../../src/passes/prune/index.js";
import { pruneParams } from "./rig.js";

/** The located message the config loader gives for `prune: <step>` (file name dropped). */
function problem(step: string): string {
  try {
    pruneParams(step);
  } catch (error) {
    if (error instanceof SlmError) return error.format().split("\n")[0]!.replace(/^.*slm\.config\.yaml:/, "");
    throw error;
  }
  throw new Error(`prune: ${step} was accepted`);
}

describe("prune params", () => {
  it("fills each method's defaults", () => {
    expect(pruneParams("{}")).toEqual({ method: "magnitude", sparsity: 0.5, scope: "per-layer", pattern: "unstructured", include: [], exclude: [] });
    expect(pruneParams("{method: wanda}")).toEqual({ method: "wanda", sparsity: 0.5, scope: "per-output", pattern: "unstructured", include: [], exclude: [] });
    expect(pruneParams('{method: wanda, pattern: "4:8"}')).toEqual({ method: "wanda", sparsity: 0.5, pattern: "4:8", include: [], exclude: [] });
    expect(pruneParams("{method: structured}")).toEqual({ method: "structured", ffn: 0.25, heads: 0, importance: "magnitude", include: [], exclude: [] });
  });

  it("rejects impossible values with the place and the rule", () => {
    expect(problem("{sparsity: 1.2}")).toBe("5:13: recipe[0].prune.sparsity must be a number ≥ 0 and < 1 (got 1.2)");
    expect(problem("{sparsity: 1}")).toBe("5:13: recipe[0].prune.sparsity must be a number ≥ 0 and < 1 (got 1)");
    expect(problem("{sparsity: -0.1}")).toBe("5:13: recipe[0].prune.sparsity must be a number ≥ 0 and < 1 (got -0.1)");
    expect(problem("{method: structured, heads: 1}")).toBe("5:33: recipe[0].prune.heads must be a number ≥ 0 and < 1 (got 1)");
    expect(problem('{pattern: "3:4"}')).toBe('5:13: recipe[0].prune.pattern must be one of unstructured, 2:4, 4:8 (got "3:4")');
    expect(problem("{method: lottery}")).toBe('5:13: recipe[0].prune.method must be one of magnitude, wanda, structured (got "lottery")');
    expect(problem("{sparsty: 0.5}")).toBe('5:13: unknown key "sparsty" in recipe[0].prune (did you mean "sparsity"?)');
  });

  it("rejects knobs of another method, and a sparsity an N:M pattern cannot give", () => {
    expect(problem("{method: structured, sparsity: 0.5}")).toBe("5:33: recipe[0].prune.sparsity is not allowed here");
    expect(problem("{ffn: 0.25}")).toBe("5:13: recipe[0].prune.ffn is not allowed here");
    expect(problem('{pattern: "2:4", sparsity: 0.3}')).toBe("5:29: recipe[0].prune.sparsity must be 0.5 (got 0.3)");
    expect(problem('{pattern: "2:4", scope: global}')).toBe("5:29: recipe[0].prune.scope is not allowed here");
  });

  it("describes every param for `slm passes`", () => {
    const described = describeParams(prunePass.schema);
    expect(described.map((p) => p.name)).toEqual(["exclude", "ffn", "heads", "importance", "include", "method", "pattern", "scope", "sparsity"]);
    for (const param of described) expect(param.description, param.name).toBeTruthy();
  });
});
