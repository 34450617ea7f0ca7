/** The config module's public API: load a config, its types, and its schemas. */
export { loadConfig, type LoadedConfig, type LoadOptions } from "./load.js";
export { ConfigSources } from "./sources.js";
export { buildConfigSchema, buildRecipeSchema } from "./schema.js";
export type {
  BuildSettings,
  Config,
  DataFormat,
  DataSet,
  EvaluationSettings,
  ModelSpec,
  OptimizationLevel,
  PluginParamsCatalog,
  RecipeStep,
  Target,
  Task,
} from "./types.js";
