/** The report page's stylesheet, inlined into <style> (the page loads nothing from anywhere). */
export const REPORT_CSS = `
:root { color-scheme: light; --ink: #111827; --muted: #6b7280; --line: #e5e7eb; --panel: #ffffff; --page: #f6f7f9;
  --accent: #4e79a7; --good: #1a7f37; --bad: #b42318; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--page); color: var(--ink);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
header, main, footer { max-width: 1360px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 28px; padding-bottom: 8px; }
h1 { font-size: 24px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 0 0 12px; }
.subtitle { color: var(--muted); margin: 0; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 18px 20px; margin: 16px 0; }
.part { margin: 32px 0 0; padding-top: 4px; border-top: 2px solid var(--line); color: var(--muted); font-size: 13px; }
.part strong { color: var(--ink); font-size: 15px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { font-size: 12px; font-weight: 600; color: var(--muted); border-bottom: 2px solid var(--line); vertical-align: bottom; }
td.model { min-width: 140px; }
tbody tr:nth-child(even) { background: #fafbfc; }
td.num, th.num { text-align: right; }
td.num { white-space: nowrap; }
td .sub { display: block; color: var(--muted); font-size: 12px; }
td.num .tag { display: table; margin: 2px 0 0 auto; }
.evidence { display: block; color: #8a4b00; font-size: 11px; }
code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: #f3f4f6; padding: 1px 4px; border-radius: 4px; }
.digest { word-break: break-all; }
.tag { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 9px; font-size: 11px; line-height: 18px;
  font-weight: 600; vertical-align: 1px; white-space: nowrap; }
.tag.measured { background: #e8f1fb; color: #1d4f91; }
.tag.estimated { background: #fff4e0; color: #8a4b00; }
.tag.baseline { background: #eef0f3; color: #374151; }
.tag.simulated { background: #efe9fb; color: #5b3a99; }
.verdict { display: inline-block; min-width: 64px; padding: 0 8px; border-radius: 9px; font-size: 12px; font-weight: 700; text-align: center; }
.verdict.passed { background: #e6f4ea; color: var(--good); }
.verdict.failed { background: #fde8e7; color: var(--bad); }
.verdict.no-figure { background: #fff4e0; color: #8a4b00; }
.state { display: inline-block; min-width: 56px; padding: 0 8px; border-radius: 9px; font-size: 12px; font-weight: 600; text-align: center; }
.state.ran { background: #e8f1fb; color: #1d4f91; }
.state.cached { background: #e6f4ea; color: var(--good); }
.state.failed { background: #fde8e7; color: var(--bad); }
.state.skipped { background: #eef0f3; color: var(--muted); }
.better { color: var(--good); }
.worse { color: var(--bad); }
.notes { margin: 10px 0 0; padding-left: 18px; color: var(--muted); font-size: 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure.chart { margin: 0; padding: 12px; border: 1px solid var(--line); border-radius: 8px; flex: 1 1 440px; min-width: 0; }
figure.chart figcaption { color: var(--muted); font-size: 12px; margin-bottom: 6px; }
figure.chart figcaption strong { display: block; color: var(--ink); font-size: 14px; }
.chart-svg svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
.chart-warning { color: var(--bad); font-size: 12px; margin: 6px 0 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; }
dt { color: var(--muted); }
dd { margin: 0; }
footer { color: var(--muted); font-size: 12px; padding-top: 8px; padding-bottom: 32px; }
`;
