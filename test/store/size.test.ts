import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { formatSize, parseSize } from "../../src/store/index.js";

describe("parseSize", () => {
  it("reads decimal (powers of 1000) and binary (powers of 1024) units", () => {
    expect(parseSize("1GB")).toBe(1_000_000_000);
    expect(parseSize("1GiB")).toBe(1_073_741_824);
    expect(parseSize("512 MiB")).toBe(512 * 1024 * 1024);
    expect(parseSize("1.5KB")).toBe(1500);
    expect(parseSize("1.5 kib")).toBe(1536);
    expect(parseSize("100")).toBe(100);
    expect(parseSize("7B")).toBe(7);
    expect(parseSize(" 2 TB ")).toBe(2e12);
    expect(parseSize("0.5B")).toBe(0);
  });

  it("rejects anything else with an InputError naming the option", () => {
    for (const bad of ["", "GB", "-1GB", "1XB", "1 G B", "1e9", "ten MB", "1,5GB", "9999999999TB"]) {
      expect(() => parseSize(bad, "--max-size")).toThrow(InputError);
    }
    expect(() => parseSize("12 parsecs", "--max-size")).toThrow(/--max-size "12 parsecs" is not a size.*KiB/);
  });
});

describe("formatSize", () => {
  it("prints binary units with one decimal", () => {
    expect(formatSize(0)).toBe("0 B");
    expect(formatSize(1023)).toBe("1023 B");
    expect(formatSize(1536)).toBe("1.5 KiB");
    expect(formatSize(3 * 1024 ** 3)).toBe("3.0 GiB");
  });
});
