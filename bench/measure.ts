/** Timing helpers shared by the benchmarks (and scripts/gpu): medians of alternating rounds. */
import ort from "onnxruntime-node";
import { ONNX_DEFAULTS } from "../src/model/onnx.js";

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

export interface Rate {
  /** Items per wall-clock second. */
  readonly wall: number;
  /** Items per CPU second of the process (all its threads, workers included). */
  readonly cpu: number;
}

/** Runs `items` until at least `seconds` have passed; items per wall-clock second and per CPU second of the process (all threads). */
export async function rate(items: () => Promise<number>, seconds: number): Promise<Rate> {
  let done = 0;
  const start = performance.now();
  const cpu0 = process.cpuUsage();
  while (performance.now() - start < seconds * 1000) done += await items();
  const cpu = process.cpuUsage(cpu0);
  return { wall: done / ((performance.now() - start) / 1000), cpu: done / ((cpu.user + cpu.system) / 1e6) };
}

/**
 * Measures every case in `rounds` alternating rounds of `seconds` each (so that a change of
 * machine load hits them all alike) and returns the median rates, by case name.
 */
export async function sideBySide(cases: Readonly<Record<string, () => Promise<number>>>, rounds: number, seconds: number): Promise<Record<string, Rate>> {
  const rows: Record<string, Rate[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, items] of Object.entries(cases)) rows[name].push(await rate(items, seconds));
  }
  return Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, { wall: median(v.map((r) => r.wall)), cpu: median(v.map((r) => r.cpu)) }]));
}

/** Whether the short run was asked for (`npm run bench -- --quick`, or RSBENCH_BENCH_QUICK=1). */
export function quick(): boolean {
  return process.env.RSBENCH_BENCH_QUICK === "1";
}

/**
 * A bare onnxruntime session with OnnxClassifier's own session settings (threads, sequential,
 * all graph optimisations, spinning as ONNX_DEFAULTS): "raw onnxruntime" in the ratios.
 */
export function rawSession(path: string, threads: number = ONNX_DEFAULTS.threads): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(path, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    extra: { session: { intra_op: { allow_spinning: ONNX_DEFAULTS.spinning ? "1" : "0" } } },
  });
}
