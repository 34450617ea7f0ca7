/**
 * The CLI as a pipeline stage: a reader that stops early (`slm passes | head -1`) must not
 * make slm print a stack trace or fail.
 */
import { afterAll, describe, expect, it } from "vitest";
import { Project } from "./rig.js";

describe("output piped into a reader that stops early", () => {
  const project = new Project();
  afterAll(() => project.remove());

  it.each([["passes"], ["targets", "--json"]])("slm %s exits 0 without a stack trace", async (...args) => {
    const child = project.spawn(...args);
    // Close our end at once, as `head` does after its first line.
    child.stdout!.destroy();
    let stderr = "";
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(stderr).not.toMatch(/EPIPE|Unhandled|\n\s+at /);
    expect(code).toBe(0);
  });
});
