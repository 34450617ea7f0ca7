// Bundles the CLI into dist/cli/ with esbuild. Why: Node's ESM loader pays per module file
// (resolution, reading, CommonJS export lexing), and slm's dependencies come as ~200 small
// files; bundled, a no-op `slm build` starts in a fraction of the time (bench/noop-build.js).
// Dynamic imports stay separate chunks, so commands load only what they use.
import { rmSync } from "node:fs";
import { build } from "esbuild";

// Chunk names carry content hashes: without a clean folder, every rebuild would leave the old ones.
rmSync("dist/cli", { recursive: true, force: true });

await build({
  entryPoints: { slm: "src/cli/main.ts" },
  outdir: "dist/cli",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: true,
  // Less for V8 to scan on every start; identifiers stay readable in stack traces.
  minifyWhitespace: true,
  minifySyntax: true,
  // Native addons and packages that locate their own files at run time stay in node_modules.
  external: ["onnxruntime-node", "@huggingface/tokenizers"],
  // Bundled CommonJS dependencies (commander, graphlib) call require() for Node built-ins.
  banner: { js: "import { createRequire as __slmCreateRequire } from 'node:module'; const require = __slmCreateRequire(import.meta.url);" },
  chunkNames: "chunks/[name]-[hash]",
  logLevel: "warning",
});
