import { createRequire } from "node:module";

/**
 * Lazy loading of heavy dependencies (onnxruntime, sharp, vega, resvg, fastify, BullMQ, ioredis).
 *
 * Each of them takes 0.3 to 1.5 s to import, and a static `import` would make every `rsbench`
 * command (and every `import "rsbench"`) pay for all of them. A module that needs one imports its
 * types only (`import type`) and the value through `lazy(() => import("pkg"))` at first use, inside
 * an async function. test/package/lazy.test.ts fails when the CLI or the library barrel imports
 * one of them at start-up.
 */
export function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => (loaded ??= load());
}

const require = createRequire(import.meta.url);

/**
 * A function exported by a CommonJS package (`module.exports = fn`), required on its first call:
 * for synchronous code, which cannot await an import. @stdlib's functions each load 70 to 400
 * files, so that `rsbench --help` would otherwise spend half a second on them.
 */
export function lazyFunction<F extends (...args: never[]) => unknown>(specifier: string): F {
  let fn: F | undefined;
  return ((...args: Parameters<F>) => (fn ??= require(specifier) as F)(...args)) as F;
}
