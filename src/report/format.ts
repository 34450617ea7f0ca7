/**
 * How the report writes numbers, the same in report.md, report.html, the gate messages and
 * `slm report --diff`. Plain string arithmetic, not Intl: its start-up alone costs more than a
 * no-op build may, and its output could depend on the machine's locale data.
 */

/** `1,071,872`; other numbers to 4 significant digits (`0.2131`, `69,290`). */
export function formatNumber(value: number): string {
  const rounded = Number.isInteger(value) ? value : Number(value.toPrecision(4));
  const text = String(rounded);
  if (/e/i.test(text)) return text;
  const [whole, fraction] = text.split(".");
  return `${groupThousands(whole!)}${fraction === undefined ? "" : `.${fraction}`}`;
}

function groupThousands(digits: string): string {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
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

/** A fraction as a percentage: `0.712` → `71.20 %`. */
export function formatPercent(fraction: number, digits = 2): string {
  return `${(fraction * 100).toFixed(digits)} %`;
}

/** A signed change with its unit: `+1.20 %`, `−0.80 pt`, `±0.00 pt` (a true minus sign). */
export function formatChange(change: number, unit: string): string {
  const sign = change > 0 ? "+" : change < 0 ? "\u2212" : "\u00b1";
  return `${sign}${Math.abs(change).toFixed(2)} ${unit}`;
}

/** The first 12 hex digits of a `sha256:…` digest, enough to tell artifacts apart in a table. */
export function shortDigest(digest: string): string {
  const hex = digest.replace(/^sha256:/, "");
  return hex.slice(0, 12);
}

/** What an estimated figure rests on, after the figure: ` (estimated from measured figures)`. */
export function estimatedTag(evidence: string | undefined): string {
  return ` (estimated from ${evidence ?? "unstated"} figures)`;
}
