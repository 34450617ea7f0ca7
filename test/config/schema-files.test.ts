import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configSchemaFiles } from "../../src/config/codegen.js";
import { buildConfigSchema } from "../../src/config/schema.js";
import { builtinRegistry } from "../../src/plugins/registry.js";
import { catalog } from "./rig.js";

// The catalog the checked-in files were generated from (scripts/generate-schemas.js
// names the same one): regenerate with `npm run schemas`.
const CHECKED_IN_CATALOG = builtinRegistry();

describe("generated schema files", () => {
  it("match what the schema code generates (no drift)", () => {
    const targetSchema = JSON.parse(readFileSync(new URL("../../schemas/target.schema.json", import.meta.url), "utf8"));
    for (const [path, text] of Object.entries(configSchemaFiles(CHECKED_IN_CATALOG, targetSchema))) {
      const checkedIn = readFileSync(new URL(`../../${path}`, import.meta.url), "utf8");
      expect(checkedIn, `${path} is stale: run npm run schemas`).toBe(text);
    }
  });

  it("embed each pass's params under the step and each target's beside its name", () => {
    const schema = buildConfigSchema(catalog) as { $defs: Record<string, { properties?: Record<string, unknown>; required?: string[] }> };
    expect(Object.keys(schema.$defs.recipeStep!.properties!)).toEqual(["prune", "quantize"]);
    expect(schema.$defs["pass.quantize"]!.properties!.bits).toEqual({ enum: [4, 8], default: 8 });
    expect(Object.keys(schema.$defs["target.loihi2-sim"]!.properties!)).toEqual(["name", "timesteps", "threshold"]);
    expect(schema.$defs["target.loihi2-sim"]!.required).toEqual(["name"]);
  });

  it("refuses plugin schemas it cannot embed", () => {
    const bad = (passes: Map<string, { schema: object }>) => () => buildConfigSchema({ passes, targets: new Map() });
    expect(bad(new Map([["prune", { schema: { type: "number" } }]]))).toThrow('pass "prune": the params schema must have type "object"');
    expect(bad(new Map([["prune", { schema: { type: "object", properties: { a: { $ref: "#/$defs/a" } } } }]]))).toThrow(
      'pass "prune": the params schema must be self-contained (found $ref)',
    );
    expect(bad(new Map([["bad name", { schema: { type: "object" } }]]))).toThrow('pass "bad name": the name must match');
    const targets = new Map([["cpu-int8", { schema: { type: "object", properties: { name: { type: "string" } } } }]]);
    expect(() => buildConfigSchema({ passes: new Map(), targets })).toThrow('target "cpu-int8": a param may not be called "name"');
  });
});
