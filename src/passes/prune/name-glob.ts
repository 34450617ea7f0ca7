/**
 * Name patterns of `include` / `exclude`: globs over a whole name, `*` any run of characters
 * (dots and slashes included: ONNX names look like `/blocks.0/attn/qkv/MatMul`), `?` exactly one.
 * Globs, not regular expressions: names are full of `.` and `/`, which a regex would read as
 * syntax.
 */

/** A test for a list of globs: true when any of them matches the whole name. */
export function globMatcher(globs: readonly string[]): (name: string) => boolean {
  if (globs.length === 0) return () => false;
  const expression = new RegExp(`^(?:${globs.map(globSource).join("|")})$`, "s");
  return (name) => expression.test(name);
}

function globSource(glob: string): string {
  let source = "";
  for (const char of glob) {
    if (char === "*") source += ".*";
    else if (char === "?") source += ".";
    else source += char.replace(/[\\^$.|+()[\]{}]/g, "\\$&");
  }
  return source;
}
