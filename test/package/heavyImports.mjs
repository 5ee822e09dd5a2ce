// Registered with `node --import` by lazy.test.ts: records every bare package a module imports
// and prints the heavy ones on exit (src/io/lazy.ts says why they must load on first use only).
import { register } from "node:module";
import { MessageChannel } from "node:worker_threads";

const HEAVY = ["onnxruntime-node", "sharp", "vega", "vega-lite", "@resvg/resvg-js", "fastify", "@fastify/rate-limit", "bullmq", "ioredis"];
const seen = new Set();
const { port1, port2 } = new MessageChannel();
port1.on("message", (specifier) => seen.add(specifier));
port1.unref();
register("data:text/javascript," + encodeURIComponent(`
let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  if (!/^(node:|file:|data:|\\.|\\/)/.test(specifier)) port.postMessage(specifier);
  return next(specifier, context);
}`), { parentURL: import.meta.url, data: { port: port2 }, transferList: [port2] });
const { createRequire, Module } = await import("node:module");
const originalLoad = Module._load;
Module._load = function (request, ...rest) {
  if (!/^(node:|\.|\/)/.test(request)) seen.add(request);
  return originalLoad.call(this, request, ...rest);
};
void createRequire;
process.on("exit", () => {
  const heavy = HEAVY.filter((name) => seen.has(name) || [...seen].some((s) => s.startsWith(`${name}/`)));
  process.stderr.write(`HEAVY-IMPORTS ${JSON.stringify(heavy)} STDLIB ${[...seen].filter((s) => s.startsWith("@stdlib/")).length}\n`);
});
