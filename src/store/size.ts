/**
 * Byte sizes as users write them (`slm gc --max-size 10GB`). Decimal units are powers of 1000
 * (KB, MB, GB, TB), binary units powers of 1024 (KiB, MiB, GiB, TiB), as IEC 80000-13 and disk
 * vendors use them. Units are case-insensitive (bits are never meant here); a bare number is bytes.
 */
import { InputError } from "../errors.js";

const UNITS: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

const SIZE_PATTERN = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i;

/**
 * Bytes in a size such as `1GB` (10^9), `1.5 GiB`, `512MiB`, `100`. Fractions round down to whole
 * bytes. Throws an InputError naming `what` (e.g. `--max-size`) on anything else.
 */
export function parseSize(text: string, what = "size"): number {
  const match = SIZE_PATTERN.exec(text);
  const factor = match ? UNITS[(match[2] || "b").toLowerCase()] : undefined;
  const bytes = match && factor !== undefined ? Math.floor(Number(match[1]) * factor) : Number.NaN;
  if (!Number.isSafeInteger(bytes)) {
    throw new InputError(
      `${what} ${JSON.stringify(text)} is not a size: write a number with an optional unit, ` +
        `B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024), e.g. "10GB"`,
    );
  }
  return bytes;
}

/** A size for people, in binary units with one decimal: `0 B`, `512 B`, `1.5 KiB`, `2.0 GiB`. */
export function formatSize(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
