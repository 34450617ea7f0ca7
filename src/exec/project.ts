import { join, relative, resolve } from "node:path";
import { loadConfig, type LoadedConfig } from "../config/index.js";
import { loadProfile, type Profile } from "../neuro/profile.js";
import { planBuild } from "../plan/expand.js";
import { engineVersions } from "../plan/engines.js";
import type { Plan } from "../plan/plan.js";
import { builtinRegistry, type Registry } from "../plugins/registry.js";
import { checkOutDir } from "./build-folders.js";

/** A loaded config and its plan: everything a command needs before it touches the store. */
export interface Project {
  registry: Registry;
  loaded: LoadedConfig;
  plan: Plan;
  projectDir: string;
  /** The config file as the report and messages name it (relative to the project). */
  configName: string;
  outDir: string;
  storeDir: string;
  lockPath: string;
}

export interface ProjectOptions {
  configPath: string;
  overrides: readonly string[];
}

/** Loads and validates the config and plans the build; throws located InputErrors. */
export function openProject(options: ProjectOptions): Project {
  const registry = builtinRegistry();
  const loaded = loadConfig({ path: options.configPath, overrides: [...options.overrides], catalog: registry });
  const projectDir = loaded.projectDir;
  const storeDir = resolve(projectDir, loaded.config.build.store);
  const profiles = loadTargetProfiles(loaded, registry, join(storeDir, "profiles"));
  const plan = planBuild(loaded.config, registry, (field) => loaded.sources.locate(field), profiles);
  const project: Project = {
    registry,
    loaded,
    plan,
    projectDir,
    configName: relative(projectDir, resolve(options.configPath)) || options.configPath,
    outDir: resolve(projectDir, loaded.config.build.out_dir),
    storeDir,
    lockPath: join(projectDir, "slm.lock"),
  };
  checkOutDir(project);
  return project;
}

/**
 * The hardware profiles of the configured targets that read one (TargetPlugin.profile): the
 * project's copy when the target's `profile` param names one, else the shipped
 * targets/<name>/target.yaml. Loaded here, not in the pure planner.
 */
function loadTargetProfiles(loaded: LoadedConfig, registry: Registry, cacheDir: string): Map<string, Profile> {
  const profiles = new Map<string, Profile>();
  for (const target of loaded.config.targets) {
    if (!registry.targets.get(target.name)?.profile) continue;
    const path = typeof target.params.profile === "string" ? target.params.profile : undefined;
    const field = `${target.origin}.profile`;
    profiles.set(target.origin, loadProfile({ name: target.name, path, projectDir: loaded.projectDir, cacheDir, ...(path ? { field: loaded.sources.locate(field) } : {}) }));
  }
  return profiles;
}

/** Versions of the engines the plan's stage kinds declare. */
export function planEngines(plan: Plan): Record<string, string> {
  return engineVersions([...plan.stages.values()].flatMap((stage) => stage.kind.engines ?? []));
}
