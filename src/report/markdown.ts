import { formatDuration } from "../exec/renderers.js";
import type { Json } from "../util/canonical-json.js";
import type { ModelRow, Report } from "./model.js";

/** build/report.md: the same content as report.json, for people. */
export function renderMarkdown(report: Report): string {
  const lines: string[] = [`# slm report: ${report.project.name}`, ""];
  lines.push(`Task: ${report.project.task}. Config: \`${report.project.config}\`.`, "");
  lines.push("## Models", "");
  if (report.results.models.length === 0) lines.push("No model was evaluated.", "");
  else lines.push(...modelTable(report.results.models), "");
  const latencyLabels = [...new Set(report.results.models.flatMap((m) => (m.latency ? [m.latency.label] : [])))];
  for (const label of latencyLabels) lines.push(`Latency: ${label}.`);
  if (latencyLabels.length > 0) lines.push("");
  if (report.results.warnings.length > 0) {
    lines.push("## Warnings", "");
    for (const warning of report.results.warnings) lines.push(`- \`${warning.stage}\`: ${warning.message}`);
    lines.push("");
  }
  lines.push("## Stages", "", "| stage | kind | this build | when it ran | why |", "|---|---|---|---:|---|");
  for (const stage of report.run.stages) {
    const ran = stage.ranMs === undefined ? "" : formatDuration(stage.ranMs);
    lines.push(`| \`${stage.id}\` | ${stage.kind} | ${stage.state} ${formatDuration(stage.durationMs)} | ${ran} | ${escape(stage.reasons.join("; "))} |`);
  }
  const p = report.run.provenance;
  lines.push("", "## Provenance", "");
  lines.push(`- slm ${p.slm}, Node ${p.node}, ${Object.entries(p.engines).map(([n, v]) => `${n} ${v}`).join(", ")}`);
  lines.push(`- machine: ${p.machine.cpu} (${p.machine.cores} cores, ${p.machine.platform}/${p.machine.arch})`);
  lines.push(`- config digest \`${p.configDigest}\`${p.lockDigest ? `, lock digest \`${p.lockDigest}\`` : ""}`, "");
  return lines.join("\n");
}

function modelTable(models: readonly ModelRow[]): string[] {
  const metricNames = [...new Set(models.flatMap((m) => Object.keys(m.metrics)))];
  const header = ["model", "size", "parameters", ...metricNames, "latency (median)"];
  const rows = models.map((m) => [
    m.label,
    m.sizeBytes === undefined ? "" : formatBytes(m.sizeBytes),
    m.parameters === undefined ? "" : groupThousands(m.parameters),
    ...metricNames.map((name) => formatValue(m.metrics[name])),
    m.latency ? `${m.latency.medianMs.toFixed(3)} ms (measured)` : "",
  ]);
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.map(escape).join(" | ")} |`)];
}

function formatValue(value: Json | undefined): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "number") return Number.isInteger(value) ? groupThousands(value) : value.toPrecision(6);
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** `1,071,872` (without Intl, whose start-up alone costs more than a no-op build may). */
function groupThousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** `4.36 MB` (decimal units, as file sizes are usually quoted). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(2)} ${units[unit]}`;
}

function escape(text: string): string {
  return text.replace(/\|/g, "\\|");
}
