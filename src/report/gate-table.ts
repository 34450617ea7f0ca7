import { formatGateValue, GATE_WORDS, noFigureMessage } from "../gates/messages.js";
import type { GateCheck, Report } from "./model.js";

/** One line of the gates table: a gate's verdict on one row (or that it had nothing to judge). */
export interface GateLine {
  field: string;
  /** What the gate limits, in words. */
  what: string;
  row: string;
  value: string;
  /** "estimated (evidence)" when the value is an estimate. */
  estimated?: string;
  limit: string;
  result: "passed" | "failed" | "no figure";
  /** Why a gate judged nothing. */
  note?: string;
}

/** The gates of a report as table lines, in the config's order, one per gate and row judged. */
export function gateLines(report: Report): GateLine[] {
  return report.results.gates.flatMap((check: GateCheck): GateLine[] => {
    const common = { field: check.field, what: GATE_WORDS[check.gate], limit: `≤ ${formatGateValue(check.limit, check.unit)}` };
    if (check.rows.length === 0) return [{ ...common, row: check.target ?? "every row but the baseline", value: "", result: "no figure", note: noFigureMessage(check) }];
    return check.rows.map((row) => ({
      ...common,
      row: row.label,
      value: formatGateValue(row.value, check.unit),
      ...(row.estimated === undefined ? {} : { estimated: `estimated (${row.estimated})` }),
      result: row.passed ? "passed" : "failed",
    }));
  });
}

/** `all 3 gates passed`, `1 of 3 gates failed`, or `no gates` (for headings and summaries). */
export function gatesVerdict(report: Report): string {
  const gates = report.results.gates;
  if (gates.length === 0) return "no gates";
  const failed = gates.filter((gate) => gate.status === "failed").length;
  const unchecked = gates.filter((gate) => gate.status === "no-figure").length;
  const parts = [
    ...(failed > 0 ? [`${failed} of ${gates.length} gate${gates.length === 1 ? "" : "s"} failed`] : []),
    ...(unchecked > 0 ? [`${unchecked} checked nothing`] : []),
  ];
  return parts.length > 0 ? parts.join(", ") : `all ${gates.length} gate${gates.length === 1 ? "" : "s"} passed`;
}
