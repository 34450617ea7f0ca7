import { formatDuration } from "../exec/renderers.js";
import { chartSpecs } from "./chart-specs.js";
import { renderChartFigures } from "./charts.js";
import { formatNumber, shortDigest } from "./format.js";
import { gatesVerdict } from "./gate-table.js";
import { gatesSection, modelsTable } from "./html-models.js";
import { REPORT_CSS } from "./html-style.js";
import { escapeHtml } from "./html-text.js";
import { RUN_PART_MARKER } from "./markdown.js";
import type { Report } from "./model.js";

/**
 * Scripts, fonts, images, frames and fetches are all refused: the page is its own inline CSS and
 * inline SVG, so it opens the same offline, from a CI artifact or an email attachment.
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/**
 * build/report.html: the report as one self-contained page (the comparison table, charts drawn
 * to inline SVG, per-layer figures, warnings, then the run's stages and provenance). Every text
 * from the config or the stages is escaped. The same report gives the same bytes, and the same
 * `results` the same bytes up to RUN_PART_MARKER. Pass the page
 * this one replaces as `previousHtml` to reuse its chart figures when their data is unchanged.
 */
export async function renderHtml(report: Report, previousHtml?: string): Promise<string> {
  const { charts, skipped } = chartSpecs(report);
  const figures = await renderChartFigures(charts, previousHtml);
  const skippedNotes = skipped.map((chart) => `<li>${escapeHtml(chart.title)}: not drawn, ${escapeHtml(chart.reason)}</li>`);
  const name = escapeHtml(report.project.name);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>slm report: ${name}</title>
<style>${REPORT_CSS}</style>
</head>
<body>
<header>
<h1>slm report: ${name}</h1>
<p class="subtitle">Task ${escapeHtml(report.project.task)} \u00b7 config <code>${escapeHtml(report.project.config)}</code> \u00b7 ${plural(report.results.models.length, "model")} evaluated \u00b7 gates: ${escapeHtml(gatesVerdict(report))}</p>
</header>
<main>
${gatesSection(report)}<section id="models"><h2>Models</h2>${modelsTable(report)}</section>
<section id="charts"><h2>Charts</h2><div class="charts">${figures.join("")}</div>${skippedNotes.length === 0 ? "" : `<ul class="notes">${skippedNotes.join("")}</ul>`}</section>
${layersSection(report)}${warningsSection(report)}${artifactsSection(report)}${RUN_PART_MARKER}
<p class="part"><strong>This run</strong> \u00b7 what ran, how long it took and where (${stateCounts(report)}): these parts differ from build to build; everything above depends only on the build's inputs.</p>
<section id="stages"><h2>Stages</h2>${stagesTable(report)}</section>
<section id="provenance"><h2>Provenance</h2>${provenanceList(report)}</section>
</main>
<footer>Made by slm ${escapeHtml(report.run.provenance.slm)}. This page is self-contained: no scripts, no network.</footer>
</body>
</html>
`;
}

function stateCounts(report: Report): string {
  const counts = new Map<string, number>();
  for (const stage of report.run.stages) counts.set(stage.state, (counts.get(stage.state) ?? 0) + 1);
  const states = [...counts].map(([state, n]) => `${n} ${escapeHtml(state)}`).join(", ");
  return `${plural(report.run.stages.length, "stage")}: ${states}`;
}

function artifactsSection(report: Report): string {
  const entries = Object.entries(report.results.artifacts).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  if (entries.length === 0) return "";
  const rows = entries.map(([path, digest]) => `<tr><td><code>${escapeHtml(path)}</code></td><td><code class="digest" title="${escapeHtml(digest)}">${escapeHtml(shortDigest(digest))}</code></td></tr>`);
  return (
    `<section id="artifacts"><h2>Artifacts</h2><div class="table-wrap"><table><thead><tr><th>path in the build folder</th>` +
    `<th>sha256 (first 12 digits)</th></tr></thead><tbody>${rows.join("")}</tbody></table></div></section>\n`
  );
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}

function layersSection(report: Report): string {
  const layers = report.results.layers;
  if (layers.length === 0) return "";
  const rows = layers.map(
    (row) =>
      `<tr><td><code>${escapeHtml(row.stage)}</code></td><td>${escapeHtml(row.layer)}</td><td>${row.placement === "chip" ? "on chip" : "host"}</td>` +
      `<td class="num">${row.firingRate === undefined ? "" : formatNumber(row.firingRate)}</td>` +
      `<td class="num">${row.synapticOps === undefined ? "" : formatNumber(row.synapticOps)}</td></tr>`,
  );
  return (
    `<section id="layers"><h2>Layers of the spiking rows</h2><div class="table-wrap"><table><thead><tr>` +
    `<th>stage</th><th>layer</th><th>runs</th><th class="num">firing rate</th><th class="num">synaptic ops / inference</th>` +
    `</tr></thead><tbody>${rows.join("")}</tbody></table></div></section>\n`
  );
}

function warningsSection(report: Report): string {
  const warnings = report.results.warnings;
  if (warnings.length === 0) return "";
  const items = warnings.map((w) => `<li><code>${escapeHtml(w.stage)}</code>: ${escapeHtml(w.message)}</li>`);
  return `<section id="warnings"><h2>Warnings</h2><ul>${items.join("")}</ul></section>\n`;
}

function stagesTable(report: Report): string {
  const rows = report.run.stages.map(
    (stage) =>
      `<tr><td><code>${escapeHtml(stage.id)}</code></td><td>${escapeHtml(stage.kind)}</td>` +
      `<td><span class="state ${escapeHtml(stage.state)}">${escapeHtml(stage.state)}</span></td>` +
      `<td class="num">${formatDuration(stage.durationMs)}</td><td class="num">${stage.ranMs === undefined ? "" : formatDuration(stage.ranMs)}</td>` +
      `<td>${escapeHtml(stage.reasons.join("; "))}</td></tr>`,
  );
  return (
    `<div class="table-wrap"><table class="stages"><thead><tr><th>stage</th><th>kind</th><th>state</th>` +
    `<th class="num">this build</th><th class="num">when it ran</th><th>why</th></tr></thead><tbody>${rows.join("")}</tbody></table></div>`
  );
}

function provenanceList(report: Report): string {
  const p = report.run.provenance;
  const items: Array<[string, string]> = [
    ["slm", escapeHtml(p.slm)],
    ["Node", escapeHtml(p.node)],
    ...Object.entries(p.engines).map(([engine, version]): [string, string] => [escapeHtml(engine), escapeHtml(version)]),
    ["machine", `${escapeHtml(p.machine.cpu)} (${p.machine.cores} cores, ${escapeHtml(p.machine.platform)}/${escapeHtml(p.machine.arch)})`],
    ["config digest", `<code class="digest">${escapeHtml(p.configDigest)}</code>`],
    ...(p.lockDigest ? [["lock digest", `<code class="digest">${escapeHtml(p.lockDigest)}</code>`] as [string, string]] : []),
  ];
  return `<dl>${items.map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`).join("")}</dl>`;
}
