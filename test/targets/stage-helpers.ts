/**
 * Helpers for the neuromorphic targets' stage tests: a real converted network built through the
 * CLI, a stage context, and a bundle manifest check.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { StageContext } from "../../src/plan/stage-kind.js";
import { classifierConfig, Project } from "../e2e/rig.js";

/** A converted brown-genre-mlp (rate coding, spike decoding) built through the CLI. */
export async function convertedMlp(convert: string): Promise<Project> {
  const project = new Project();
  const config = classifierConfig(`recipe:\n  - quantize: {mode: weight-only}\n  - convert: ${convert}\n`)
    .replace("samples: 100", "samples: 60\n  calibration:\n    path: models/brown-genre-mlp/calib.jsonl\n    samples: 100");
  project.addModel("brown-genre-mlp").write("slm.config.yaml", config);
  const result = await project.run("build");
  if (result.code !== 0) throw new Error(result.stderr);
  return project;
}

/** A stage context over a fresh work folder, collecting warnings. */
export function stageContext(root: string, name: string, warnings: string[] = []): StageContext {
  const workDir = mkdtempSync(join(root, `${name}-`));
  return { projectDir: root, workDir, signal: new AbortController().signal, warn: (m) => warnings.push(m) };
}

/** Every file a manifest lists exists with its sha256, and nothing else is in the bundle. */
export function checkManifest(dir: string): void {
  const manifest = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { files: Record<string, { sha256: string; bytes: number }> };
  expect(readdirSync(dir).filter((f) => f !== "manifest.json").sort()).toEqual(Object.keys(manifest.files).sort());
  for (const [file, entry] of Object.entries(manifest.files)) {
    const bytes = readFileSync(join(dir, file));
    expect(bytes.length).toBe(entry.bytes);
    expect(createHash("sha256").update(bytes).digest("hex")).toBe(entry.sha256);
  }
}

