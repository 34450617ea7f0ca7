import { estimatedTag, formatNumber } from "../report/format.js";
import type { GateCheck, GateRow } from "../report/model.js";

/** What a gate's value and limit read as: `23.4 µJ`, `1.5 pt`, `6.2 %`. */
export function formatGateValue(value: number, unit: GateCheck["unit"]): string {
  // A true minus sign: an accuracy "drop" of −2 pt is a gain.
  return `${value < 0 ? "\u2212" : ""}${formatNumber(Math.abs(value))} ${unit}`;
}

/** What the gate measures, in words, for messages and tables. */
export const GATE_WORDS: Readonly<Record<GateCheck["gate"], string>> = {
  perplexity_increase: "perplexity increase over the baseline",
  accuracy_drop: "accuracy drop below the baseline",
  energy_uj: "energy per inference",
  latency_ms: "latency per inference",
};

/**
 * One line per row that failed a gate: `gates.energy_uj: loihi2-sim: energy per inference
 * 23.4 µJ (estimated from derived figures) exceeds the limit 20 µJ by 3.4 µJ`.
 */
export function failedGateLines(checks: readonly GateCheck[]): string[] {
  return checks.flatMap((check) =>
    check.rows
      .filter((row) => !row.passed)
      .map(
        (row) =>
          `${check.field}: ${row.label}: ${GATE_WORDS[check.gate]} ${formatGateValue(row.value, check.unit)}${estimatedNote(row)} ` +
          `exceeds the limit ${formatGateValue(check.limit, check.unit)} by ${formatGateValue(row.value - check.limit, check.unit)}`,
      ),
  );
}

/** Why a gate judged nothing: no row it applies to has its figure. */
export function noFigureMessage(check: GateCheck): string {
  const rows = check.target === undefined ? "no row but the fp32 baseline" : `no row of target ${check.target}`;
  const hint: Record<GateCheck["gate"], string> = {
    perplexity_increase: "add a recipe or a target, so that some model differs from the baseline",
    accuracy_drop: "add a recipe or a target, so that some model differs from the baseline",
    energy_uj: "energy is estimated only for simulated neuromorphic targets; add one or remove the gate",
    latency_ms: "latency is measured when evaluation.latency_runs > 0 and estimated for simulated targets",
  };
  return `${check.field}: ${rows} has a figure for ${GATE_WORDS[check.gate]}, so this gate would check nothing (${hint[check.gate]})`;
}

function estimatedNote(row: GateRow): string {
  return row.estimated === undefined ? "" : estimatedTag(row.estimated);
}
