import type { Config, TopLevelSpec } from "vega-lite";
import { qualityMetric } from "./figures.js";
import { formatBytes } from "./format.js";
import type { Report } from "./model.js";
import { energyUj, latencyMs } from "./row-figures.js";

/** A chart of the HTML report: a Vega-Lite spec with its data inlined, and what it shows. */
export interface ChartSpec {
  id: "quality" | "sizes" | "firing";
  title: string;
  /** One sentence under the chart: what is plotted and where the figures come from. */
  caption: string;
  spec: TopLevelSpec;
}

/** A chart the report leaves out, and why (no empty charts). */
export interface SkippedChart {
  title: string;
  reason: string;
}

/** The look shared by every chart; the page's CSS sets the same font. */
const CONFIG: Config = {
  font: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
  background: "white",
  padding: 12,
  view: { stroke: null },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 600,
    titleColor: "#1f2937",
    labelColor: "#374151",
    gridColor: "#e5e7eb",
    domainColor: "#9ca3af",
    tickColor: "#9ca3af",
  },
  // Four significant digits, trailing zeros trimmed: a lone point's axis shows 26.9, not 26.901422.
  axisQuantitative: { format: ".4~r" },
  legend: { labelFontSize: 11, titleFontSize: 12, orient: "bottom", direction: "horizontal", labelLimit: 240 },
  range: { category: { scheme: "tableau10" } },
};

const WIDTH = 380;
const HEIGHT = 240;

/**
 * The report's charts (Vega-Lite specs; pure, no rendering): quality against energy per model
 * (or against latency or size, said so, when no energy was estimated), size after each stage,
 * and firing rates per layer; each that has no data is skipped with its reason.
 */
export function chartSpecs(report: Report): { charts: ChartSpec[]; skipped: SkippedChart[] } {
  const charts: ChartSpec[] = [];
  const skipped: SkippedChart[] = [];
  for (const make of [qualityChart, sizesChart, firingChart]) {
    const chart = make(report);
    if ("spec" in chart) charts.push(chart);
    else skipped.push(chart);
  }
  return { charts, skipped };
}

function qualityChart(report: Report): ChartSpec | SkippedChart {
  const quality = qualityMetric(report.project.task);
  const models = report.results.models;
  const cost = models.some((row) => energyUj(row)) ? "energy" : models.some((row) => latencyMs(row)) ? "latency" : "size";
  const points = models.flatMap((row) => {
    const y = row.quality?.value;
    const x = cost === "energy" ? energyUj(row)?.value : cost === "latency" ? latencyMs(row)?.value : row.sizeBytes === undefined ? undefined : row.sizeBytes / 1e6;
    if (y === undefined || x === undefined) return [];
    return [{ label: row.label, x, y: quality === "accuracy" ? y * 100 : y }];
  });
  const yTitle = quality === "accuracy" ? "accuracy (%), higher is better" : "perplexity, lower is better";
  const title = `${quality === "accuracy" ? "Accuracy" : "Perplexity"} against ${{ energy: "estimated energy", latency: "latency", size: "model size" }[cost]}`;
  if (points.length === 0) return { title, reason: `no evaluated model has both ${quality} and ${cost}.` };
  const xTitle = {
    energy: "energy per inference (µJ), estimated",
    latency: "latency per inference (ms): measured on this machine, or estimated",
    size: "model size on disk (MB)",
  }[cost];
  const caption = {
    energy: `One point per model with an energy estimate (the simulated targets); see the table for each estimate's model and evidence.`,
    latency: `One point per evaluated model. No energy estimate in this build (no simulated neuromorphic target), so latency stands in for cost.`,
    size: `One point per evaluated model. No energy estimate or latency in this build, so model size stands in for cost.`,
  }[cost];
  const x = { field: "x", type: "quantitative", title: xTitle, scale: { zero: false, nice: true, padding: 24 } } as const;
  const y = { field: "y", type: "quantitative", title: yTitle, scale: { zero: false, nice: true, padding: 24 } } as const;
  return {
    id: "quality",
    title,
    caption,
    spec: {
      config: CONFIG,
      width: WIDTH,
      height: HEIGHT,
      data: { values: points },
      // A legend rather than text beside each point: models of nearly equal cost and quality
      // would print their names over each other.
      mark: { type: "point", filled: true, size: 110, opacity: 0.9 },
      encoding: { x, y, color: { field: "label", type: "nominal", sort: null, title: "model" } },
    },
  };
}

function sizesChart(report: Report): ChartSpec | SkippedChart {
  const title = "Model size after each stage";
  const sizes = report.results.sizes;
  if (sizes.length === 0) return { title, reason: "no stage of this build produced a model." };
  return {
    id: "sizes",
    title,
    caption: "Bytes of the model.onnx each stage wrote, in build order (import is the baseline).",
    spec: {
      config: CONFIG,
      width: { step: 56 },
      height: HEIGHT,
      data: { values: sizes.map((size) => ({ stage: size.stage, mb: size.bytes / 1e6, text: formatBytes(size.bytes) })) },
      encoding: {
        x: { field: "stage", type: "nominal", sort: null, title: "stage", axis: { labelAngle: -30, labelLimit: 180 } },
        y: { field: "mb", type: "quantitative", title: "model size (MB)" },
      },
      layer: [
        { mark: { type: "bar", color: "#4e79a7", cornerRadiusEnd: 2 } },
        { mark: { type: "text", baseline: "bottom", dy: -3, fontSize: 10, color: "#374151" }, encoding: { text: { field: "text" } } },
      ],
    },
  };
}

function firingChart(report: Report): ChartSpec | SkippedChart {
  const title = "Firing rate per layer";
  const layers = report.results.layers;
  const bars = layers.flatMap((row) => (row.firingRate === undefined ? [] : [{ layer: row.layer, stage: row.stage, rate: row.firingRate }]));
  if (bars.length === 0) {
    const reason = layers.length === 0 ? "no spiking target was simulated in this build." : "the simulated layers report no firing rates.";
    return { title, reason };
  }
  const host = layers.filter((row) => row.placement === "host").length;
  return {
    id: "firing",
    title,
    caption: `Mean spikes per neuron per timestep in each layer on chip, one bar per simulating stage${host > 0 ? `; ${host} host layer${host === 1 ? "" : "s"} not shown` : ""}.`,
    spec: {
      config: CONFIG,
      // Room for one bar per simulating stage in each layer's band.
      width: { step: Math.max(48, 24 * new Set(bars.map((bar) => bar.stage)).size) },
      height: HEIGHT,
      data: { values: bars },
      mark: { type: "bar", cornerRadiusEnd: 2 },
      encoding: {
        x: { field: "layer", type: "nominal", sort: null, title: "layer", axis: { labelAngle: -30, labelLimit: 180 } },
        xOffset: { field: "stage", type: "nominal", sort: null },
        y: { field: "rate", type: "quantitative", title: "firing rate (spikes / neuron / step)" },
        color: { field: "stage", type: "nominal", sort: null, title: "stage" },
      },
    },
  };
}
