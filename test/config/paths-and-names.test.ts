import { describe, expect, it } from "vitest";
import { dataPath, formatPath, parsePath, pointerToPath } from "../../src/config/config-path.js";
import { closestName, editDistance } from "../../src/config/did-you-mean.js";

describe("config paths", () => {
  it("parse and format dotted paths with indices", () => {
    expect(parsePath("recipe[0].prune.sparsity")).toEqual(["recipe", 0, "prune", "sparsity"]);
    expect(parsePath("targets[1]")).toEqual(["targets", 1]);
    for (const bad of ["", ".a", "a..b", "a.", "[0]", "a[x]", "a[0"]) expect(parsePath(bad), bad).toBeUndefined();
    expect(formatPath(["data", "evaluation", "windows"])).toBe("data.evaluation.windows");
    expect(formatPath(["recipe", "steps", 1, "quantize"])).toBe("recipe[1].quantize");
    expect(formatPath([])).toBe("");
  });

  it("map recipe[i] to recipe.steps[i] when the recipe is a mapping", () => {
    expect(dataPath(["recipe", 0, "prune"], true)).toEqual(["recipe", "steps", 0, "prune"]);
    expect(dataPath(["recipe", 0, "prune"], false)).toEqual(["recipe", 0, "prune"]);
    expect(dataPath(["recipe", "description"], true)).toEqual(["recipe", "description"]);
  });

  it("turn ajv instance paths into segments, numbers for list items", () => {
    const root = { recipe: [{ "a/b": { "0": 1 } }] };
    expect(pointerToPath("/recipe/0/a~1b/0", root)).toEqual(["recipe", 0, "a/b", "0"]);
    expect(pointerToPath("", root)).toEqual([]);
  });
});

describe("did you mean", () => {
  it("counts a swap of neighbours as one edit", () => {
    expect(editDistance("windwos", "windows")).toBe(1);
    expect(editDistance("", "abc")).toBe(3);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });

  it("suggests only close names, ignoring case, ties broken by order", () => {
    expect(closestName("quantise", ["prune", "quantize"])).toBe("quantize");
    expect(closestName("Windows", ["windows", "window"])).toBe("windows");
    expect(closestName("xyz", ["prune", "quantize"])).toBeUndefined();
    expect(closestName("ab", ["ac", "ad"])).toBe("ac");
  });
});
