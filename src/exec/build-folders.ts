/**
 * Where a build may write. `build.out_dir` is replaced wholesale by every build and removed by
 * `slm clean`, so it must be a folder of its own: not the project folder or a folder above it,
 * not the store or a folder holding it or inside it, not a folder holding a file the build
 * reads (the model, tokenizer, data, config, recipe, profile copies). A config that names such
 * a folder is a config error at `build.out_dir`, found before anything is written.
 */
import { isAbsolute, relative, resolve } from "node:path";
import { InputError } from "../errors.js";
import type { Project } from "./project.js";

/** Throws an InputError located at build.out_dir when the output folder would take something with it. */
export function checkOutDir(project: Project): void {
  const { outDir, projectDir, loaded, plan } = project;
  const inputs = [
    ...loaded.files.map((file) => resolve(projectDir, file)),
    ...[...plan.stages.values()].flatMap((stage) => Object.values(stage.inputs).flatMap((input) => (input.from === "source" ? [resolve(projectDir, input.path)] : []))),
  ];
  const problem = outDirProblem(project, inputs);
  if (problem === undefined) return;
  throw new InputError(`build.out_dir ${relative(projectDir, outDir) || "."} ${problem}: every build replaces that folder and slm clean removes it; choose a folder of its own, such as build`, {
    location: loaded.sources.locate("build.out_dir"),
  });
}

/** What out_dir would take with it, if anything. */
function outDirProblem({ outDir, storeDir, projectDir }: Project, inputs: readonly string[]): string | undefined {
  if (within(projectDir, outDir)) return "is the project folder or a folder above it";
  if (within(storeDir, outDir) || within(outDir, storeDir)) return `overlaps the store (build.store: ${relative(projectDir, storeDir) || "."})`;
  const held = inputs.find((input) => within(input, outDir));
  return held === undefined ? undefined : `holds ${relative(projectDir, held)}, which the build reads`;
}

/** Whether `path` is `folder` or inside it. */
function within(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (!rel.startsWith("..") && !isAbsolute(rel));
}
