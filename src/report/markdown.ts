import { formatDuration } from "../exec/renderers.js";
import { comparisonTable, type Cell } from "./comparison.js";
import { estimatedTag, formatNumber, shortDigest } from "./format.js";
import { gateLines, gatesVerdict } from "./gate-table.js";
import type { Report } from "./model.js";

/**
 * Where the run part of report.md and report.html begins: everything after it (stages, timing,
 * provenance) differs from build to build; everything before it depends only on the build's inputs.
 */
export const RUN_PART_MARKER = "<!-- slm:run -->";

/** build/report.md: the same content as report.json, for people. */
export function renderMarkdown(report: Report): string {
  const lines: string[] = [`# slm report: ${report.project.name}`, ""];
  lines.push(`Task: ${report.project.task}. Config: \`${report.project.config}\`. Gates: ${gatesVerdict(report)}.`, "");
  lines.push(...gatesSection(report));
  lines.push("## Models", "", ...comparisonSection(report));
  lines.push(...layersSection(report));
  if (report.results.warnings.length > 0) {
    lines.push("## Warnings", "");
    for (const warning of report.results.warnings) lines.push(`- \`${warning.stage}\`: ${oneLine(warning.message)}`);
    lines.push("");
  }
  lines.push(...artifactsSection(report));
  lines.push(RUN_PART_MARKER, "", "## This run", "", "What ran, how long it took and where: this part differs from build to build.", "");
  lines.push("### Stages", "", ...markdownTable(["stage", "kind", "this build", "when it ran", "why"], [false, false, false, true, false], stageRows(report)), "");
  const p = report.run.provenance;
  lines.push("### Provenance", "");
  lines.push(`- slm ${p.slm}, Node ${p.node}${Object.entries(p.engines).map(([n, v]) => `, ${n} ${v}`).join("")}`);
  lines.push(`- machine: ${p.machine.cpu} (${p.machine.cores} cores, ${p.machine.platform}/${p.machine.arch})`);
  lines.push(`- config digest \`${p.configDigest}\`${p.lockDigest ? `, lock digest \`${p.lockDigest}\`` : ""}`, "");
  return lines.join("\n");
}

/** The gates table (nothing when the config sets no gates). */
export function gatesSection(report: Report, heading = "## Gates"): string[] {
  const lines = gateLines(report);
  if (lines.length === 0) return [];
  const rows = lines.map((line) => [
    `\`${line.field}\``,
    line.row,
    `${line.value}${line.estimated ? ` (${line.estimated})` : ""}`,
    line.limit,
    line.result === "passed" ? "✅ passed" : line.result === "failed" ? "❌ failed" : `⚠️ no figure: ${line.note}`,
  ]);
  return [heading, "", ...markdownTable(["gate", "row", "value", "limit", "result"], [false, false, true, true, false], rows), ""];
}

/** The comparison table and its notes. */
export function comparisonSection(report: Report): string[] {
  if (report.results.models.length === 0) return ["No model was evaluated.", ""];
  const table = comparisonTable(report);
  const rows = table.rows.map(({ cells }) => cells.map(markdownCell));
  const lines = markdownTable(
    table.columns.map((c) => c.title),
    table.columns.map((c) => c.numeric),
    rows,
  );
  return [...lines, "", ...table.notes.map((note) => `- ${note}`), ...(table.notes.length > 0 ? [""] : [])];
}

function layersSection(report: Report): string[] {
  const layers = report.results.layers;
  if (layers.length === 0) return [];
  const rows = layers.map((row) => [
    `\`${row.stage}\``,
    row.layer,
    row.placement === "chip" ? "chip" : "host",
    row.firingRate === undefined ? "" : formatNumber(row.firingRate),
    row.synapticOps === undefined ? "" : formatNumber(row.synapticOps),
  ]);
  return ["## Layers of the spiking rows", "", ...markdownTable(["stage", "layer", "runs on", "firing rate", "synaptic ops / inference"], [false, false, false, true, true], rows), ""];
}

function artifactsSection(report: Report): string[] {
  const entries = Object.entries(report.results.artifacts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return [];
  const rows = entries.map(([path, digest]) => [`\`${path}\``, `\`${shortDigest(digest)}\``]);
  return ["## Artifacts", "", ...markdownTable(["path in the build folder", "sha256 (first 12 digits)"], [false, false], rows), ""];
}

function stageRows(report: Report): string[][] {
  return report.run.stages.map((stage) => [
    `\`${stage.id}\``,
    stage.kind,
    `${stage.state} ${formatDuration(stage.durationMs)}`,
    stage.ranMs === undefined ? "" : formatDuration(stage.ranMs),
    stage.reasons.join("; "),
  ]);
}

/** A cell as Markdown text: the figure, what kind of figure it is, then its second line. */
function markdownCell(cell: Cell): string {
  if (cell.text === "") return "";
  const tag = cell.tag === "estimated" ? estimatedTag(cell.evidence) : cell.tag === "measured" ? " (measured)" : "";
  return `${cell.text}${tag}${cell.sub ? `; ${cell.sub}` : ""}`;
}

/** A GitHub-flavoured Markdown table; cells are escaped and kept on one line. */
export function markdownTable(header: readonly string[], numeric: readonly boolean[], rows: readonly string[][]): string[] {
  const line = (cells: readonly string[]) => `| ${cells.map((cell) => escapeCell(cell)).join(" | ")} |`;
  return [line(header), `|${header.map((_, i) => (numeric[i] ? "---:" : "---")).join("|")}|`, ...rows.map(line)];
}

function escapeCell(text: string): string {
  return oneLine(text).replace(/\|/g, "\\|");
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ");
}
