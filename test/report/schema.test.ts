import { readFileSync } from "node:fs";
import { Ajv2020 } from "ajv/dist/2020.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { renderMarkdown } from "../../src/report/markdown.js";
import type { Report } from "../../src/report/model.js";
import { parseReport } from "../../src/report/read-report.js";
import { REPORT_SCHEMA, reportSchemaText } from "../../src/report/report-schema.js";
import { Project } from "../e2e/rig.js";
import { baselineOnlyReport, exampleClassifierConfig, fullReport } from "./fixtures.js";

const checkedIn = readFileSync(new URL("../../schemas/report.schema.json", import.meta.url), "utf8");
const validate = new Ajv2020({ allErrors: true, strict: true }).compile(JSON.parse(checkedIn));

describe("schemas/report.schema.json", () => {
  it("is what src/report/report-schema.ts generates (no drift: npm run schemas)", () => {
    expect(checkedIn).toBe(reportSchemaText());
    expect(JSON.parse(checkedIn)).toEqual(REPORT_SCHEMA);
  });

  it("accepts the fixtures and refuses a report with a malformed row", () => {
    for (const report of [fullReport(), baselineOnlyReport()]) expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
    const bad = fullReport() as unknown as { results: { models: Array<{ quality: unknown }> } };
    bad.results.models[1]!.quality = { metric: "bleu", value: 1 };
    expect(validate(bad)).toBe(false);
    expect(formattedError(() => parseReport(JSON.stringify(bad), "other/report.json"))).toMatch(
      /^other\/report\.json: not a valid slm report \(schemas\/report\.schema\.json\): \/results\/models\/1\/quality\/metric must be equal to one of the allowed values/,
    );
    expect(formattedError(() => parseReport("{", "x.json"))).toMatch(/^x\.json: not a report\.json: /);
  });
});

describe("the report of a real build", () => {
  const project = new Project("slm-report-schema-").addModel("brown-genre-mlp");
  let report: Report;
  beforeAll(async () => {
    project.write("slm.config.yaml", exampleClassifierConfig("gates:\n  accuracy_drop: 50\n"));
    const build = await project.run("build");
    expect(build.code, build.stderr).toBe(0);
    report = JSON.parse(project.read("build/report.json")) as Report;
  });
  afterAll(() => project.remove());

  it("validates against the schema", () => {
    expect(validate(report), JSON.stringify(validate.errors)).toBe(true);
  });

  it("takes sparsity and bits from the lineage, and the change from the baseline", () => {
    const rows = Object.fromEntries(report.results.models.map((row) => [row.label, row]));
    expect(Object.keys(rows)).toEqual(["fp32 baseline", "quantize", "convert (spiking)", "cpu-int8"]);
    expect(rows["fp32 baseline"]!.sparsity).toBeUndefined();
    expect(rows["fp32 baseline"]!.quality!.change).toBeUndefined();
    for (const label of ["quantize", "convert (spiking)", "cpu-int8"]) {
      const row = rows[label]!;
      expect(row.sparsity, label).toEqual({ value: expect.closeTo(0.5, 2), stage: "prune" });
      expect(row.bits, label).toEqual({ weights: 8, mode: "static", stage: "quantize" });
      const base = rows["fp32 baseline"]!.quality!.value;
      expect(row.quality!.change, label).toBeCloseTo((row.quality!.value - base) * 100, 6);
    }
    expect(report.results.gates.map((gate) => [gate.field, gate.status, gate.rows.length])).toEqual([["gates.accuracy_drop", "passed", 3]]);
    expect(Object.keys(report.results.artifacts).sort()).toEqual(
      ["metrics/baseline.json", "metrics/convert.json", "metrics/cpu-int8.json", "metrics/quantize.json", "model.onnx", "snn", "targets/cpu-int8"].sort(),
    );
  });

  it("writes a Markdown table of formatted figures: no raw JSON in any cell", () => {
    const markdown = project.read("build/report.md");
    expect(markdown).toBe(renderMarkdown(report));
    const tableLines = markdown.split("\n").filter((line) => line.startsWith("|"));
    expect(tableLines.length).toBeGreaterThan(10);
    for (const line of tableLines) expect(line).not.toMatch(/[{}[\]]|"\w+":/);
    expect(markdown).toMatch(/\| convert \(spiking\) \| [\d.]+ kB \| [\d,]+ \| 50\.0 % \| 8-bit static \| [\d.]+ %; ANN [\d.]+ %, top-1 agreement [\d.]+ % \|/);
    expect(markdown).toMatch(/\| cpu-int8 \|.*\| [\d.]+ ms \(measured\) \|/);
  });
});

function formattedError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error.format();
    throw error;
  }
  throw new Error("expected an InputError");
}
