import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHtml } from "../../src/report/html.js";
import type { Report } from "../../src/report/model.js";
import { lmConfig, Project } from "../e2e/rig.js";
import { baselineOnlyReport, exampleClassifierConfig, fullReport, HOSTILE } from "./fixtures.js";

describe("renderHtml", () => {
  it("gives the same bytes for the same report, charts included", async () => {
    const first = await renderHtml(fullReport());
    expect(await renderHtml(fullReport())).toBe(first);
    expect(first.match(/<svg /g)).toHaveLength(3);
  });

  it("escapes every text that comes from the config or the stages", async () => {
    const html = await renderHtml(fullReport());
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;");
  });

  it("loads nothing: no scripts, links, external references or fonts, and a policy that refuses them", async () => {
    const html = await renderHtml(fullReport());
    // url(#clip1): Vega's clip paths point into the same page, which is allowed.
    const tags = [...html.matchAll(/<([a-zA-Z][\w:-]*)((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*\/?>/g)];
    const elements = new Set(tags.map((tag) => tag[1]!.toLowerCase()));
    const attributes = new Set(tags.flatMap((tag) => [...tag[2]!.matchAll(/\s([\w:-]+)(?:="[^"]*")?/g)].map((a) => a[1]!.toLowerCase())));
    for (const element of ["script", "link", "iframe", "object", "embed", "img", "image"]) expect(elements).not.toContain(element);
    for (const attribute of ["src", "href", "xlink:href"]) expect(attributes).not.toContain(attribute);
    expect(html).not.toMatch(/@import|@font-face|url\((?!#)/i);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
  });

  it("marks estimated figures with their evidence, names each estimate's model, and marks measured and simulated figures", async () => {
    const html = await renderHtml(fullReport());
    expect(html).toContain(`3.1 µJ<span class="tag estimated">estimated</span><span class="evidence">from derived figures</span><span class="sub">generic model: 5.2 µJ</span>`);
    // 1700 nJ is shown in the column's unit.
    expect(html).toContain(`1.7 µJ<span class="tag estimated">estimated</span><span class="evidence">from derived figures</span>`);
    expect(html).toContain(`0.42 ms<span class="tag estimated">estimated</span><span class="evidence">from simulated figures</span>`);
    expect(html).toContain("loihi2-sim, truenorth-sim: energy per inference estimated with the generic 45 nm op-count model (evidence: derived; E = synops × 23.6 pJ + updates × 52 pJ).");
    expect(html).toContain("loihi2-sim, truenorth-sim: latency per inference estimated with the timestep latency model (evidence: simulated; T × max per-core step time).");
    expect(html).toContain(`0.081 ms<span class="tag measured"`);
    expect(html).toContain(`18,234<span class="tag simulated">simulated</span>`);
    expect(html).toContain(`12 / 128 cores<span class="sub">9.4 % used, 1 chip</span>`);
    expect(html).toContain(`<span class="worse">\u22120.80 pt</span>`);
    expect(html).toContain(`69.80 %<span class="sub">ANN 70.40 %, top-1 agreement 95.0 %</span>`);
  });

  it("marks passed and failed gates with the value, the limit and the evidence of estimated values", async () => {
    const html = await renderHtml(fullReport());
    expect(html).toContain("gates: 3 of 3 gates failed");
    expect(html).toContain(
      `<td>loihi2-sim</td><td class="num">3.1 µJ<span class="tag estimated">estimated (derived)</span></td><td class="num">≤ 2 µJ</td><td><span class="verdict failed">failed</span>`,
    );
    expect(html).toContain(`<td>cpu-int8</td><td class="num">0.6 pt</td><td class="num">≤ 2 pt</td><td><span class="verdict passed">passed</span>`);
    // The target's own energy gate replaces the global one for its row.
    expect(html).toContain(`<code>gates.targets.truenorth-sim.energy_uj</code>`);
    expect(html.match(/<td>truenorth-sim<\/td><td class="num">1.7 µJ/g)).toHaveLength(1);
  });

  it("skips a chart that has no data with a note instead of drawing it empty", async () => {
    const html = await renderHtml(baselineOnlyReport());
    expect(html).not.toContain(`data-chart="firing"`);
    expect(html).toContain("Firing rate per layer: not drawn, no spiking target was simulated in this build.");
    // Without energy or latency the cost axis says what it really is.
    expect(html).toContain("Perplexity against model size");
    expect(html).toContain("model size stands in for cost");
  });

  it("reuses the figures of the page it replaces while their data is unchanged, and redraws them when it changed", async () => {
    const report = baselineOnlyReport();
    const previous = (await renderHtml(report)).replace(/<svg /g, `<svg data-reused="yes" `);
    expect(await renderHtml(report, previous)).toBe(previous);
    report.results.sizes[0]!.bytes += 1;
    expect(await renderHtml(report, previous)).not.toContain("data-reused");
  });
});

const CHROMIUM = "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && !process.env.CI) {
  console.warn(`skipping the headless-browser checks of report.html: ${CHROMIUM} is missing (apt-get install chromium)`);
}

describe.skipIf(!haveChromium && !process.env.CI)("report.html in headless Chromium", () => {
  let browser: Browser;
  const dir = mkdtempSync(join(tmpdir(), "slm-report-html-"));

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Opens the page; returns what a reader sees and everything that went wrong while loading. */
  async function open(file: string) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    page.on("console", (message) => problems.push(`console ${message.type()}: ${message.text()}`));
    page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
    page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()}`));
    page.on("request", (request) => {
      if (request.url() !== pathToFileURL(file).href) problems.push(`request: ${request.url()}`);
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
    const rows = await page.locator("table.models tbody tr").evaluateAll((trs) => trs.map((tr) => tr.querySelector("td")?.textContent ?? ""));
    const columns = await page.locator("table.models thead th").evaluateAll((ths) => ths.map((th) => th.textContent ?? ""));
    const gates = await page.locator("table.gates .verdict").evaluateAll((spans) => spans.map((span) => span.textContent ?? ""));
    const charts = await page.locator("[data-chart]").evaluateAll((divs) =>
      divs.map((div) => {
        const box = div.querySelector("svg")?.getBoundingClientRect();
        return { id: div.getAttribute("data-chart"), width: box?.width ?? 0, height: box?.height ?? 0, marks: div.querySelectorAll("svg path, svg line, svg text").length };
      }),
    );
    const images = await page.locator("img").count();
    const ids = await page.locator("[id]").evaluateAll((els) => els.map((el) => el.id));
    await page.close();
    return { problems, rows, columns, gates, charts, images, ids };
  }

  async function openReport(report: Report) {
    const file = join(dir, `${report.project.name}.html`);
    writeFileSync(file, await renderHtml(report));
    return open(file);
  }

  function expectChartsDrawn(charts: Array<{ id: string | null; width: number; height: number; marks: number }>, ids: string[]) {
    expect(charts.map((c) => c.id)).toEqual(ids);
    for (const chart of charts) {
      expect(chart.width, chart.id!).toBeGreaterThan(100);
      expect(chart.height, chart.id!).toBeGreaterThan(100);
      expect(chart.marks, chart.id!).toBeGreaterThan(10);
    }
  }

  it("shows the report of a real build: the baseline row and every chart, with no errors and no requests", async () => {
    const project = new Project("slm-report-html-e2e-").addModel("gpt-relu-brown", { evalBytes: 20_000 });
    try {
      project.write("slm.config.yaml", lmConfig().replace("windows: 4", "windows: 2"));
      const build = await project.run("build");
      expect(build.code, build.stderr).toBe(0);
      const report = JSON.parse(project.read("build/report.json")) as Report;
      expect(report.results.sizes).toEqual([{ stage: "import", kind: "import", bytes: statSync(project.path("build/model.onnx")).size }]);
      const seen = await open(project.path("build/report.html"));
      expect(seen.problems).toEqual([]);
      expect(seen.rows).toHaveLength(1);
      expect(seen.rows[0]).toContain("fp32 baseline");
      expectChartsDrawn(seen.charts, ["quality", "sizes"]);
    } finally {
      project.remove();
    }
  });

  it("shows the example build with a recipe, a spiking row, a target and a gate: every row, every chart, no errors", async () => {
    const project = new Project("slm-report-html-example-").addModel("brown-genre-mlp");
    try {
      project.write("slm.config.yaml", exampleClassifierConfig("gates:\n  accuracy_drop: 50\n"));
      const build = await project.run("build");
      expect(build.code, build.stderr).toBe(0);
      const seen = await open(project.path("build/report.html"));
      expect(seen.problems).toEqual([]);
      expect(seen.rows.map((row) => row.split("from")[0])).toEqual(["fp32 baselinebaseline", "quantize", "convert (spiking)", "cpu-int8"]);
      expect(seen.columns).toEqual(expect.arrayContaining(["sparsity", "weight bits", "accuracy", "vs baseline", "latency / inference", "spikes / inference", "synaptic ops / inference"]));
      expect(seen.gates).toEqual(["passed", "passed", "passed"]);
      expectChartsDrawn(seen.charts, ["quality", "sizes", "firing"]);
      expect(new Set(seen.ids).size).toBe(seen.ids.length);
    } finally {
      project.remove();
    }
  });

  it("shows every row, chart and id of a full report once, and runs none of the injected markup", async () => {
    const seen = await openReport(fullReport());
    expect(seen.problems).toEqual([]);
    expect(seen.rows.map((row) => row.split("from")[0])).toEqual(["fp32 baselinebaseline", HOSTILE, "cpu-int8", "loihi2-sim", "truenorth-sim"]);
    expect(seen.columns).toEqual([
      "model", "size on disk", "parameters", "sparsity", "weight bits", "accuracy", "vs baseline", "latency / inference",
      "energy / inference", "cores / NPs", "spikes / inference", "synaptic ops / inference",
    ]);
    expect(seen.gates).toEqual(["passed", "passed", "passed", "failed", "failed", "failed"]);
    expectChartsDrawn(seen.charts, ["quality", "sizes", "firing"]);
    expect(seen.images).toBe(0);
    expect(new Set(seen.ids).size).toBe(seen.ids.length);
  });
});
