#!/usr/bin/env node
// Entry point of the `rsbench` command. An installed package runs the compiled CLI in dist/
// (built by `npm run build`, which `npm ci`, `npm pack` and an install from git run through
// `prepare`). A development checkout (the TypeScript sources beside bin/, tsx installed) runs the
// sources under tsx instead, so the command never lags behind an edit; RSBENCH_DIST=1 forces dist/.
import { existsSync } from "node:fs";

process.env.RSBENCH_CLI = "1";
const source = new URL("../src/cli/main.ts", import.meta.url);
const tsx = process.env.RSBENCH_DIST !== "1" && existsSync(source) ? await import("tsx/esm/api").catch(() => null) : null;
if (tsx) {
  tsx.register();
  await import(source.href);
} else {
  const compiled = new URL("../dist/cli/main.js", import.meta.url);
  if (!existsSync(compiled)) {
    process.stderr.write(`rsbench: error: the compiled CLI is missing: expected ${compiled.pathname}; run \`npm run build\` in ${new URL("..", import.meta.url).pathname}\n`);
    process.exit(1);
  }
  await import(compiled.href);
}
