#!/usr/bin/env node
// Thin launcher: the CLI is compiled from src/ into dist/ by `npm ci` (the prepare script).
import("../dist/cli/slm.js").catch((error) => {
  process.stderr.write(`slm: could not start (${error.message}); run \`npm ci\` or \`npm run build\` first.\n`);
  process.exit(2);
});
