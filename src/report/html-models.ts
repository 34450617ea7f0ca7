import { comparisonTable, type Cell } from "./comparison.js";
import { gateLines } from "./gate-table.js";
import { escapeHtml } from "./html-text.js";
import type { Report } from "./model.js";

/**
 * The comparison table as HTML (src/report/comparison.ts decides its columns and cells): the
 * baseline tagged, estimated figures tagged with their evidence, measured latency tagged, changes
 * from the baseline coloured for better or worse, and the notes under it.
 */
export function modelsTable(report: Report): string {
  if (report.results.models.length === 0) return `<p>No model was evaluated in this build.</p>`;
  const table = comparisonTable(report);
  const header = table.columns.map((column) => `<th${column.numeric ? ` class="num"` : ""}>${escapeHtml(column.title)}</th>`).join("");
  const rows = table.rows.map(({ row, baseline, cells }) => {
    const tds = cells.map((cell, i) => {
      const column = table.columns[i]!;
      if (column.id === "model") {
        const title = escapeHtml(`model of ${row.model}, measured by ${row.evaluatedBy}`);
        return `<td class="model" title="${title}">${escapeHtml(cell.text)}${baseline ? `<span class="tag baseline">baseline</span>` : ""}${subHtml(cell)}</td>`;
      }
      return `<td${column.numeric ? ` class="num"` : ""}>${cellHtml(cell)}</td>`;
    });
    return `<tr>${tds.join("")}</tr>`;
  });
  const notes = table.notes.length === 0 ? "" : `<ul class="notes">${table.notes.map((note) => `<li>${escapeHtml(note)}</li>`).join("")}</ul>`;
  return `<div class="table-wrap"><table class="models"><thead><tr>${header}</tr></thead><tbody>${rows.join("")}</tbody></table></div>${notes}`;
}

function cellHtml(cell: Cell): string {
  if (cell.text === "") return "";
  const text = escapeHtml(cell.text);
  const value = cell.trend ? `<span class="${cell.trend}">${text}</span>` : text;
  return `${value}${tagHtml(cell)}${subHtml(cell)}`;
}

/** "estimated" with the evidence tag under it, "measured", or "simulated": every figure that is not a plain evaluation says what it is. */
function tagHtml(cell: Cell): string {
  if (cell.tag === "estimated") return `<span class="tag estimated">estimated</span><span class="evidence">from ${escapeHtml(cell.evidence ?? "unstated")} figures</span>`;
  if (cell.tag === "measured") return `<span class="tag measured">measured</span>`;
  if (cell.tag === "simulated") return `<span class="tag simulated">simulated</span>`;
  return "";
}

function subHtml(cell: Cell): string {
  return [cell.sub, cell.detail].map((line) => (line ? `<span class="sub">${escapeHtml(line)}</span>` : "")).join("");
}

/** The gates section: each gate's verdict on each row, failed ones first to catch the eye. */
export function gatesSection(report: Report): string {
  const lines = gateLines(report);
  if (lines.length === 0) return "";
  const rows = lines.map(
    (line) =>
      `<tr class="gate ${line.result === "no figure" ? "no-figure" : line.result}"><td><code>${escapeHtml(line.field)}</code><span class="sub">${escapeHtml(line.what)}</span></td>` +
      `<td>${escapeHtml(line.row)}</td>` +
      `<td class="num">${escapeHtml(line.value)}${line.estimated ? `<span class="tag estimated">${escapeHtml(line.estimated)}</span>` : ""}</td>` +
      `<td class="num">${escapeHtml(line.limit)}</td>` +
      `<td><span class="verdict ${line.result === "no figure" ? "no-figure" : line.result}">${escapeHtml(line.result)}</span>${line.note ? `<span class="sub">${escapeHtml(line.note)}</span>` : ""}</td></tr>`,
  );
  return (
    `<section id="gates"><h2>Gates</h2><div class="table-wrap"><table class="gates"><thead><tr><th>gate</th><th>row</th>` +
    `<th class="num">value</th><th class="num">limit</th><th>result</th></tr></thead><tbody>${rows.join("")}</tbody></table></div></section>\n`
  );
}
