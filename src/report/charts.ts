import { canonicalJson, sha256Hex } from "../util/canonical-json.js";
import { SLM_VERSION } from "../version.js";
import type { ChartSpec } from "./chart-specs.js";
import { escapeHtml } from "./html-text.js";

/**
 * What the SVG of a chart depends on besides its spec: the renderer and how it measures text.
 * Change it when the rendering changes so that reused figures are redrawn.
 */
const RENDERING = "vega-lite 6 compiled to vega 6, SVG string renderer, estimated text widths";

/** A figure of the page: the chart's SVG with its title and caption. */
interface RenderedChart {
  chart: ChartSpec;
  digest: string;
  svg: string;
  /** What Vega or Vega-Lite warned about while drawing it. */
  warnings: string[];
}

/**
 * Renders each chart to inline SVG with Vega-Lite and Vega (headless: no DOM, no canvas) and
 * wraps it in a <figure>. Figures whose spec is unchanged are taken from `previousHtml` (the
 * report.html this build replaces) by their digest: a no-op build then need not load Vega,
 * whose import alone costs more than the rest of the build. The SVG is deterministic: text is
 * measured by Vega's estimate (never node-canvas with local fonts) and SVG ids start afresh.
 */
export async function renderChartFigures(charts: readonly ChartSpec[], previousHtml?: string): Promise<string[]> {
  const previous = previousFigures(previousHtml);
  const digests = charts.map((chart) => sha256Hex(canonicalJson({ rendering: RENDERING, slm: SLM_VERSION, chart })));
  // All or nothing: a page mixing reused and fresh figures could repeat Vega's SVG ids.
  if (charts.every((_, i) => previous.has(digests[i]!))) return digests.map((digest) => previous.get(digest)!);
  const rendered = await renderSvgs(charts);
  return rendered.map((svg, i) => figureHtml({ chart: charts[i]!, digest: digests[i]!, ...svg }));
}

async function renderSvgs(charts: readonly ChartSpec[]): Promise<Array<{ svg: string; warnings: string[] }>> {
  // Loaded here: the CLI must not pay for Vega unless a chart is actually drawn.
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  // Vega exports textMetrics (from vega-scenegraph) but its typings leave it out.
  (vega as unknown as { textMetrics: { canvas(use: boolean): void } }).textMetrics.canvas(false);
  vega.resetSVGDefIds();
  const out: Array<{ svg: string; warnings: string[] }> = [];
  // One after another: Vega numbers SVG ids (clip paths, gradients) with a global counter, so
  // the figures of one page get distinct ids in a fixed order.
  for (const chart of charts) {
    const warnings: string[] = [];
    const logger = vega.logger(vega.Warn, undefined, (_method, _level, args) => warnings.push(args.map(String).join(" ")));
    const view = new vega.View(vega.parse(vegaLite.compile(chart.spec, { logger }).spec), { renderer: "none", logger });
    try {
      out.push({ svg: await view.toSVG(), warnings });
    } finally {
      view.finalize();
    }
  }
  return out;
}

const FIGURE = /<figure class="chart" data-digest="([0-9a-f]{64})">[\s\S]*?<\/figure>/g;

function figureHtml(figure: RenderedChart): string {
  const warnings =
    figure.warnings.length === 0 ? "" : `<p class="chart-warning">Chart warnings: ${escapeHtml(figure.warnings.join("; "))}</p>`;
  return (
    `<figure class="chart" data-digest="${figure.digest}">` +
    `<figcaption><strong>${escapeHtml(figure.chart.title)}</strong>${escapeHtml(figure.chart.caption)}</figcaption>` +
    `<div class="chart-svg" data-chart="${figure.chart.id}">${figure.svg}</div>${warnings}</figure>`
  );
}

/** The figures of an earlier page by digest. Vega escapes every text it writes, so no SVG holds `</figure>`. */
function previousFigures(html: string | undefined): Map<string, string> {
  const figures = new Map<string, string>();
  for (const match of html?.matchAll(FIGURE) ?? []) figures.set(match[1]!, match[0]);
  return figures;
}
