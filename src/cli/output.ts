import { progress } from "./progress.js";

/** "91.2%" (one decimal), "-" for a missing number. */
export function percent(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "-";
}

/** JSON.stringify replacer: Infinity and NaN become null (the `--json` contract). */
export { finiteJson } from "../io/json.js";

/** A progress bar on stderr, only when stderr is a terminal (stdout stays one JSON object). */
export function progressBar(label: string, total: number, unit = "images"): { update(done: number, text: string): void; stop(): void } {
  const bar = progress(label, { unit });
  return { update: (done, text) => bar.update(done, total, text), stop: () => bar.stop() };
}
