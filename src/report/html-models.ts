import type { Json } from "../util/canonical-json.js";
import { baselineRow, figureOf, metricNames, qualityMetric, type Figure, type QualityMetric } from "./figures.js";
import { escapeHtml } from "./html-text.js";
import { formatBytes } from "./markdown.js";
import type { ModelRow, Report } from "./model.js";

/**
 * The comparison table: one row per evaluated model (the fp32 baseline first), with size,
 * parameters, the task metric and its change from the baseline, every other scalar metric as
 * its own column (estimated figures tagged with their evidence), and measured latency; the
 * notes under it name each latency protocol and estimate model.
 */
export function modelsTable(report: Report): string {
  const models = report.results.models;
  if (models.length === 0) return `<p>No model was evaluated in this build.</p>`;
  const quality = qualityMetric(report);
  const baseline = baselineRow(models);
  const names = metricNames(models).filter((name) => name !== quality.name);
  const columns = names.filter((name) => models.some((row) => isScalar(row.metrics[name])));
  const structured = names.filter((name) => !columns.includes(name));
  const hasLatency = models.some((row) => row.latency);
  const header = [
    `<th>model</th><th class="num">size</th><th class="num">parameters</th>`,
    `<th class="num">${quality.name === "accuracy" ? "accuracy" : "perplexity"}</th><th class="num">vs baseline</th>`,
    // <wbr>: long snake_case names may break after an underscore instead of widening the table.
    ...columns.map((name) => `<th class="num">${escapeHtml(name).replace(/_/g, "_<wbr>")}${unitSuffix(models, name)}</th>`),
    hasLatency ? `<th class="num">latency (median)</th>` : "",
  ].join("");
  const rows = models.map((row) => {
    const cells = [
      `<td class="model" title="${escapeHtml(`model of ${row.model}, measured by ${row.evaluatedBy}`)}">${escapeHtml(row.label)}` +
        `${row === baseline ? `<span class="tag baseline">baseline</span>` : ""}<span class="sub">from <code>${escapeHtml(row.model)}</code></span></td>`,
      `<td class="num">${row.sizeBytes === undefined ? "" : formatBytes(row.sizeBytes)}</td>`,
      `<td class="num">${row.parameters === undefined ? "" : formatNumber(row.parameters)}</td>`,
      `<td class="num">${qualityCell(quality, row.metrics[quality.name])}</td>`,
      `<td class="num">${row === baseline ? "" : changeCell(quality, row, baseline)}</td>`,
      ...columns.map((name) => `<td class="num">${valueCell(row.metrics[name])}</td>`),
      hasLatency ? `<td class="num">${latencyCell(row)}</td>` : "",
    ];
    return `<tr>${cells.join("")}</tr>`;
  });
  const table = `<div class="table-wrap"><table class="models"><thead><tr>${header}</tr></thead><tbody>${rows.join("")}</tbody></table></div>`;
  return table + notes(models, columns, structured);
}

function qualityCell(quality: QualityMetric, value: Json | undefined): string {
  const figure = figureOf(value);
  if (!figure) return "";
  return quality.name === "accuracy" ? `${(figure.value * 100).toFixed(2)} %${tags(figure)}` : `${figure.value.toFixed(2)}${tags(figure)}`;
}

/** Perplexity changes in percent of the baseline's; accuracy in percentage points. */
function changeCell(quality: QualityMetric, row: ModelRow, baseline: ModelRow | undefined): string {
  const value = figureOf(row.metrics[quality.name])?.value;
  const base = baseline ? figureOf(baseline.metrics[quality.name])?.value : undefined;
  if (value === undefined || base === undefined) return "";
  const change = quality.name === "accuracy" ? (value - base) * 100 : ((value - base) / base) * 100;
  const text = `${change > 0 ? "+" : change < 0 ? "\u2212" : "±"}${Math.abs(change).toFixed(2)} ${quality.name === "accuracy" ? "pt" : "%"}`;
  const better = quality.better === "lower" ? change < 0 : change > 0;
  return change === 0 ? text : `<span class="${better ? "better" : "worse"}">${text}</span>`;
}

function valueCell(value: Json | undefined): string {
  const figure = figureOf(value);
  if (figure) return `${formatNumber(figure.value)}${tags(figure)}`;
  return typeof value === "string" || typeof value === "boolean" ? escapeHtml(String(value)) : "";
}

function latencyCell(row: ModelRow): string {
  const latency = row.latency;
  if (!latency) return "";
  const spread = latency.p10Ms !== undefined && latency.p90Ms !== undefined ? `<span class="sub">p10\u2013p90: ${latency.p10Ms.toFixed(3)}\u2013${latency.p90Ms.toFixed(3)}</span>` : "";
  return `${latency.medianMs.toFixed(3)} ms<span class="tag measured" title="${escapeHtml(latency.label)}">measured</span>${spread}`;
}

/** "estimated" with the evidence tag under it, or "measured": every figure that is not a plain measurement says so. */
function tags(figure: Figure): string {
  if (figure.estimated) {
    const evidence = figure.evidence && figure.evidence !== "estimated" ? `<span class="evidence">${escapeHtml(figure.evidence)}</span>` : "";
    return `<span class="tag estimated">estimated</span>${evidence}`;
  }
  return figure.evidence === "measured" ? `<span class="tag measured">measured</span>` : "";
}

function unitSuffix(models: readonly ModelRow[], name: string): string {
  const unit = models.map((row) => figureOf(row.metrics[name])?.unit).find((u) => u !== undefined);
  return unit === undefined ? "" : ` (${escapeHtml(unit)})`;
}

function notes(models: readonly ModelRow[], columns: readonly string[], structured: readonly string[]): string {
  const lines = new Set<string>();
  for (const row of models) if (row.latency) lines.add(`Latency: ${escapeHtml(row.latency.label)}.`);
  for (const name of columns) {
    // One note per way of estimating the metric, naming the rows estimated that way.
    const ways = new Map<string, string[]>();
    for (const row of models) {
      const figure = figureOf(row.metrics[name]);
      if (!figure?.estimated) continue;
      const model = figure.model ? ` with the ${escapeHtml(figure.model)}` : "";
      const evidence = figure.evidence ? ` (evidence: ${escapeHtml(figure.evidence)})` : "";
      const way = `estimated${model}${evidence}`;
      ways.set(way, [...(ways.get(way) ?? []), escapeHtml(row.label)]);
    }
    for (const [way, rows] of ways) lines.add(`<code>${escapeHtml(name)}</code> of ${rows.join(", ")}: ${way}.`);
  }
  if (structured.length > 0) lines.add(`Structured metrics in report.json: ${structured.map((name) => `<code>${escapeHtml(name)}</code>`).join(", ")}.`);
  return lines.size === 0 ? "" : `<ul class="notes">${[...lines].map((line) => `<li>${line}</li>`).join("")}</ul>`;
}

function isScalar(value: Json | undefined): boolean {
  return figureOf(value) !== undefined || typeof value === "string" || typeof value === "boolean";
}

/** Integers grouped (1,071,872); other numbers to 4 significant digits. */
export function formatNumber(value: number): string {
  const rounded = Number.isInteger(value) ? value : Number(value.toPrecision(4));
  return rounded.toLocaleString("en-US", { maximumFractionDigits: 20 });
}
