/**
 * `npm install` / `npm ci` hook: builds the binary cache of the built-in datasets (safe to re-run;
 * if it cannot, the cache is built on first use). Plain JavaScript, so that it runs without tsx:
 * a development checkout (where postinstall runs before `prepare` has built dist/) imports the
 * TypeScript sources under tsx, a devDependency, as bin/rsbench.js does; an installed package dist/.
 * RSBENCH_SKIP_DATASETS=1 skips it.
 */
import { existsSync } from "node:fs";

async function library() {
  const source = new URL("../src/data/index.ts", import.meta.url);
  const tsx = existsSync(source) ? await import("tsx/esm/api").catch(() => null) : null;
  if (tsx) {
    tsx.register();
    return import(source.href);
  }
  const compiled = new URL("../dist/data/index.js", import.meta.url);
  return existsSync(compiled) ? import(compiled.href) : null;
}

if (process.env.RSBENCH_SKIP_DATASETS !== "1") {
  const data = await library();
  if (data === null) {
    process.stderr.write("rsbench: warning: neither dist/ nor the sources with tsx are here; the dataset cache will be built on first use\n");
  } else {
    for (const dataset of data.BUILTIN_DATASETS) {
      try {
        const dir = await data.ensureCache(dataset);
        process.stdout.write(`rsbench: dataset ${dataset.name} cached in ${dir}\n`);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        process.stderr.write(`rsbench: warning: could not build the ${dataset.name} cache now (${message}); it will be built on first use\n`);
      }
    }
  }
}
