import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtinRegistry } from "../../src/plugins/registry.js";
import { SLM_VERSION } from "../../src/version.js";
// @ts-expect-error: a plain ESM script without types
import { targetsModule } from "../../scripts/gen-targets.mjs";

describe("the plugin registry", () => {
  it("lists every folder under targets/ (src/plugins/targets.ts is current)", () => {
    const checkedIn = readFileSync(new URL("../../src/plugins/targets.ts", import.meta.url), "utf8");
    expect(checkedIn, "stale: run `npm run build` (scripts/gen-targets.mjs)").toBe(targetsModule());
  });

  it("gives every pass and target param a description", () => {
    const registry = builtinRegistry();
    for (const plugin of [...registry.passes.values(), ...registry.targets.values()]) {
      const properties = (plugin.schema as { properties?: Record<string, { description?: string }> }).properties ?? {};
      for (const [name, property] of Object.entries(properties)) {
        expect(property.description, `${plugin.name}.${name}`).toBeTruthy();
      }
    }
  });
});

it("reports the version package.json declares", () => {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  expect(SLM_VERSION).toBe(manifest.version);
});
