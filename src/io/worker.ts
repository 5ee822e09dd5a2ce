import { Worker } from "node:worker_threads";

/**
 * A worker thread running the module at `url` (a sibling `.ts` file of the caller's). When
 * rsbench runs from its TypeScript sources the worker first registers tsx, since a worker does
 * not inherit a loader registered through tsx's API (bin/rsbench.js); compiled `.js` runs as it is.
 */
export function moduleWorker(url: URL): Worker {
  if (!url.pathname.endsWith(".ts")) return new Worker(url);
  const tsx = import.meta.resolve("tsx/esm/api");
  return new Worker(`import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`, { eval: true });
}

/** `./name.ts` next to `importMetaUrl` when that is TypeScript, else `./name.js`. */
export function siblingModule(importMetaUrl: string, name: string): URL {
  return new URL(`./${name}${importMetaUrl.endsWith(".ts") ? ".ts" : ".js"}`, importMetaUrl);
}
