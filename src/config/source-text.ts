/**
 * A file's text with its line index: offsets are kept while loading and become line:column
 * (1-based, in UTF-16 code units like the yaml package's LineCounter) only when a message is
 * made, together with a snippet of the line and a caret.
 */
import type { SourceLocation } from "../errors.js";

/** One source file's name and text, with offset → line:column and snippets. */
export class SourceText {
  private lineStarts: number[] | undefined;

  /** `name` is the file as messages show it (the path the user gave, or one relative to it). */
  constructor(
    readonly name: string,
    readonly text: string,
  ) {}

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    const starts = (this.lineStarts ??= lineStarts(this.text));
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (starts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return { line: low + 1, column: offset - starts[low]! + 1 };
  }

  location(offset: number): SourceLocation {
    return { file: this.name, ...this.position(offset) };
  }

  /** The line of `offset` and a caret under it, with the line number in a gutter. */
  snippet(offset: number): string {
    const { line, column } = this.position(offset);
    const start = this.lineStarts![line - 1]!;
    const end = this.text.indexOf("\n", start);
    const text = this.text.slice(start, end === -1 ? undefined : end).replace(/\r$/, "");
    const gutter = String(line);
    // Tabs are kept under the caret so that it lines up however wide a tab is shown.
    const pad = text.slice(0, column - 1).replace(/[^\t]/g, " ");
    return `${gutter} | ${text}\n${" ".repeat(gutter.length)} | ${pad}^`;
  }
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}
