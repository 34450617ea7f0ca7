#!/usr/bin/env node
// Regenerates the checked-in schemas from the compiled sources (run
// `npx tsc -p tsconfig.build.json` first): schemas/slm.config.schema.json,
// schemas/recipe.schema.json and src/config/generated/{config,target}-validator.ts (the config module),
// schemas/snn-ir.schema.json (src/snn/ir-schema.ts), schemas/report.schema.json
// (src/report/report-schema.ts). Tests fail when the checked-in files differ
// from what this would write.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { configSchemaFiles } from "../dist/src/config/codegen.js";
import { builtinRegistry } from "../dist/src/plugins/registry.js";
import { reportSchemaText } from "../dist/src/report/report-schema.js";
import { snnIrSchemaText } from "../dist/src/snn/ir-schema.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// The checked-in files describe the plugins that ship with slm (test/config/schema-files.test.ts
// checks the same registry).
const catalog = builtinRegistry();

const files = {
  ...configSchemaFiles(catalog, JSON.parse(readFileSync(join(root, "schemas/target.schema.json"), "utf8"))),
  "schemas/snn-ir.schema.json": snnIrSchemaText(),
  "schemas/report.schema.json": reportSchemaText(),
};
for (const [path, text] of Object.entries(files)) {
  const target = join(root, path);
  mkdirSync(dirname(target), { recursive: true });
  // Written beside the target and renamed into place, so a reader never sees half a file.
  const temp = `${target}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, target);
  console.log(`wrote ${path}`);
}
