/**
 * Helpers for the neuromorphic targets' stage tests: a real converted network built through the
 * CLI, a stage context, configs and profile copies for the CLI tests, and bundle and build-folder checks.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import type { StageContext } from "../../src/plan/stage-kind.js";
import { classifierConfig, Project, REPO } from "../e2e/rig.js";

/** A converted brown-genre-mlp (rate coding, spike decoding) built through the CLI. */
export async function convertedMlp(convert: string): Promise<Project> {
  const project = new Project();
  const config = classifierConfig(`recipe:\n  - quantize: {mode: weight-only}\n  - convert: ${convert}\n`, { samples: 60, calibration: 100 });
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


/** The brown-genre-mlp config the CLI tests build: 100 eval samples, 200 calibration samples, quantize then convert. */
export function mlpConfig(convert: string, targets: string): string {
  return classifierConfig(`recipe:\n  - quantize: {mode: weight-only}\n  - convert: ${convert}\ntargets: ${targets}\n`, { calibration: 200 });
}

/** A project-local copy of a shipped profile, with `edit` applied to its text. */
export function profileCopy(project: Project, target: string, path: string, edit?: (text: string) => string): void {
  const text = readFileSync(join(REPO, "targets", target, "target.yaml"), "utf8");
  const edited = edit ? edit(text) : text;
  if (edit && edited === text) throw new Error(`profileCopy: the edit left ${target}'s profile unchanged`);
  project.write(path, edited);
}

/** Nothing of a failed target stage was left in build/: no bundle, no temp files. */
export function checkNothingHalfWritten(project: Project, target: string): void {
  expect(existsSync(project.path(`build/targets/${target}`))).toBe(false);
  const leftovers = existsSync(project.path("build")) ? readdirSync(project.path("build"), { recursive: true }).map(String).filter((f) => /\.tmp|\.partial/.test(f)) : [];
  expect(leftovers).toEqual([]);
}
