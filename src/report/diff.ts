import { comparisonTable, type Cell, type ColumnId } from "./comparison.js";
import { estimatedTag, formatChange, shortDigest } from "./format.js";
import { markdownTable } from "./markdown.js";
import type { GateCheck, Report } from "./model.js";

/** One side of a comparison: its report (when there is one) and its artifacts' digests. */
export interface DiffSide {
  /** How the side is named in the output: a path or a git revision. */
  name: string;
  report?: Report;
  /** Artifact → digest: build-folder paths from a report, or `stage/output` from a lock. */
  artifacts: Record<string, string>;
}

/**
 * What changed from `base` to `head`, as Markdown for a pull-request comment: each figure of the
 * comparison table that reads differently (rows matched by label), each gate whose verdict
 * changed, and each artifact whose digest changed, appeared or went away. `notes` are printed
 * under the heading (e.g. why metrics could not be compared).
 */
export function diffMarkdown(base: DiffSide, head: DiffSide, notes: readonly string[] = []): string {
  const lines = [`### slm: changes from \`${base.name}\` to \`${head.name}\``, ""];
  for (const note of notes) lines.push(`> ${note}`, "");
  const metrics = base.report && head.report ? metricChanges(base.report, head.report) : [];
  const gates = base.report && head.report ? gateChanges(base.report, head.report) : [];
  const artifacts = artifactChanges(base.artifacts, head.artifacts);
  if (metrics.length > 0) lines.push("#### Metrics", "", ...markdownTable(["row", "figure", "before", "after", "change"], [false, false, true, true, true], metrics), "");
  if (gates.length > 0) lines.push("#### Gates", "", ...markdownTable(["gate", "before", "after"], [false, false, false], gates), "");
  if (artifacts.length > 0) lines.push("#### Artifacts", "", ...markdownTable(["artifact", "before", "after"], [false, false, false], artifacts), "");
  if (metrics.length + gates.length + artifacts.length === 0) lines.push("No metric, gate or artifact changed.", "");
  return lines.join("\n");
}

/** Columns that are figures of their own (the model's name and the change from the baseline are not). */
const COMPARED = (id: ColumnId): boolean => id !== "model" && id !== "change";

function metricChanges(base: Report, head: Report): string[][] {
  const before = cellsByRow(base);
  const after = cellsByRow(head);
  const labels = [...after.keys(), ...[...before.keys()].filter((label) => !after.has(label))];
  return labels.flatMap((label): string[][] => {
    const old = before.get(label);
    const now = after.get(label);
    if (!old) return [[label, "row", "", "added", ""]];
    if (!now) return [[label, "row", "", "removed", ""]];
    const figures = [...new Set([...now.keys(), ...old.keys()])];
    return figures.flatMap((title): string[][] => {
      const a = old.get(title);
      const b = now.get(title);
      if (shown(a) === shown(b)) return [];
      return [[label, title, shown(a), shown(b), change(a, b)]];
    });
  });
}

/** Row label → column title → cell, for the columns that are figures. */
function cellsByRow(report: Report): Map<string, Map<string, Cell>> {
  const table = comparisonTable(report);
  return new Map(
    table.rows.map(({ row, cells }) => [row.label, new Map(cells.flatMap((cell, i) => (COMPARED(table.columns[i]!.id) && cell.text !== "" ? [[table.columns[i]!.title, cell]] : [])))]),
  );
}

function shown(cell: Cell | undefined): string {
  if (!cell) return "";
  return `${cell.text}${cell.tag === "estimated" ? estimatedTag(cell.evidence) : ""}`;
}

/** Shares (accuracy, sparsity) change in points; other figures in percent of the old value. */
function change(a: Cell | undefined, b: Cell | undefined): string {
  if (a?.value === undefined || b?.value === undefined) return "";
  if (a.fraction) return formatChange((b.value - a.value) * 100, "pt");
  return a.value === 0 ? "" : formatChange(((b.value - a.value) / a.value) * 100, "%");
}

function gateChanges(base: Report, head: Report): string[][] {
  const verdicts = (report: Report) => new Map(report.results.gates.map((gate: GateCheck) => [gate.field, `${gate.status} (limit ${gate.limit} ${gate.unit})`]));
  const before = verdicts(base);
  const after = verdicts(head);
  const fields = [...new Set([...after.keys(), ...before.keys()])];
  return fields.flatMap((field) => (before.get(field) === after.get(field) ? [] : [[`\`${field}\``, before.get(field) ?? "not set", after.get(field) ?? "not set"]]));
}

function artifactChanges(before: Record<string, string>, after: Record<string, string>): string[][] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  const digest = (value: string | undefined) => (value === undefined ? "absent" : `\`${shortDigest(value)}\``);
  return names.flatMap((name) => (before[name] === after[name] ? [] : [[`\`${name}\``, digest(before[name]), digest(after[name])]]));
}
