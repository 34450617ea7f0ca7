import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { InputError, type SlmError } from "../../src/errors.js";
import { loadProfile, weakestEvidence } from "../../src/neuro/profile.js";
import { shippedProfilePath } from "../../src/neuro/profile.js";

const dir = mkdtempSync(join(tmpdir(), "slm-profile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const shipped = readFileSync(shippedProfilePath("loihi2-sim"), "utf8");

/** Writes `text` as a project-local profile and loads it. */
function load(text: string, file = "chip.yaml") {
  writeFileSync(join(dir, file), text);
  return loadProfile({ name: "loihi2-sim", path: file, projectDir: dir });
}

function errorOf(run: () => unknown): SlmError {
  try {
    run();
  } catch (error) {
    return error as SlmError;
  }
  throw new Error("expected an error");
}

describe("hardware profiles", () => {
  it("loads the shipped loihi2-sim profile with typed facts", () => {
    const profile = loadProfile({ name: "loihi2-sim" });
    expect(profile.file).toBe("targets/loihi2-sim/target.yaml");
    expect(profile.number("constraints.neurons_per_core")).toBe(8192);
    expect(profile.fact("energy.synaptic_op")).toMatchObject({ value: 23.6, unit: "pJ", evidence: "extrapolated" });
    expect(profile.fact("energy.static_power").evidence).toBe("measured");
    expect(profile.host_ops).toContain("Softmax");
  });

  it("remembers validated profiles by content, and validates changed text again", () => {
    const cacheDir = join(dir, "cache");
    writeFileSync(join(dir, "cached.yaml"), shipped);
    const options = { name: "loihi2-sim", path: "cached.yaml", projectDir: dir, cacheDir };
    const first = loadProfile(options);
    expect(readdirSync(cacheDir)).toHaveLength(1);
    const second = loadProfile(options);
    expect(second.number("constraints.neurons_per_core")).toBe(first.number("constraints.neurons_per_core"));
    expect(second.file).toBe("cached.yaml");
    writeFileSync(join(dir, "cached.yaml"), shipped.replace(/evidence: extrapolated/, "evidence: guess"));
    expect(errorOf(() => loadProfile(options))).toBeInstanceOf(InputError);
    expect(readdirSync(cacheDir)).toHaveLength(1);
  });

  it("names the missing fact and the file", () => {
    const profile = loadProfile({ name: "loihi2-sim" });
    const error = errorOf(() => profile.fact("energy.teleport"));
    expect(error).toBeInstanceOf(InputError);
    expect(error.format()).toBe("targets/loihi2-sim/target.yaml: loihi2-sim profile has no fact energy.teleport (the loihi2-sim target reads it)");
  });

  it("reports a bad evidence tag at its line and column", () => {
    const text = shipped.replace('evidence: extrapolated, note: "Loihi 1 simulated per-event energy applied unchanged to Loihi 2 (Intel', 'evidence: guess, note: "x (Intel');
    const error = errorOf(() => load(text));
    expect(error.exitCode).toBe(2);
    const line = text.split("\n").findIndex((l) => l.includes("evidence: guess")) + 1;
    const column = text.split("\n")[line - 1]!.indexOf("evidence: guess") + 1;
    expect(error.format().split("\n")[0]).toBe(
      `chip.yaml:${line}:${column}: energy.synaptic_op.evidence must be one of measured, simulated, derived, assumed, extrapolated (got "guess")`,
    );
  });

  it("requires source and evidence on every fact, and a note on derived, extrapolated and assumed ones", () => {
    const error = errorOf(() => load("name: loihi2-sim\ndescription: d\nconstraints:\n  cores: {value: 1, unit: cores}\ntiming: {}\nenergy:\n  e: {value: 1, unit: pJ, source: s, evidence: derived}\nhost_ops: []\n"));
    const lines = error.format().split("\n").filter((l) => l.startsWith("chip.yaml"));
    expect(lines).toEqual([
      "chip.yaml:4:3: constraints.cores.source is required",
      "chip.yaml:4:3: constraints.cores.evidence is required",
      "chip.yaml:7:3: energy.e.note is required: a derived, extrapolated or assumed fact says how its value was obtained",
    ]);
  });

  it("refuses a profile named for another target, and a missing file at the config field", () => {
    expect(errorOf(() => load(shipped.replace("name: loihi2-sim", "name: other"))).format()).toMatch(/^chip\.yaml:\d+:1: name is "other", but the profile is used for target loihi2-sim/);
    const missing = errorOf(() => loadProfile({ name: "loihi2-sim", path: "nope.yaml", projectDir: dir, field: { file: "slm.config.yaml", line: 3, column: 5 } }));
    expect(missing.format()).toBe("slm.config.yaml:3:5: cannot read the loihi2-sim hardware profile nope.yaml (no such file)");
  });

  it("takes the weakest evidence of an estimate's inputs", () => {
    expect(weakestEvidence([{ evidence: "measured" }, { evidence: "extrapolated" }, { evidence: "derived" }])).toBe("extrapolated");
    expect(weakestEvidence([{ evidence: "measured" }, { evidence: "assumed" }])).toBe("assumed");
    expect(weakestEvidence([])).toBe("measured");
  });
});
