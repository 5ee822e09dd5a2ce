import cliProgress from "cli-progress";

/** "91.2%" (one decimal), "-" for a missing number. */
export function percent(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "-";
}

/** JSON.stringify replacer: Infinity and NaN become null (the `--json` contract). */
export { finiteJson } from "../io/json.js";

/** A progress bar on stderr, only when stderr is a terminal (stdout stays one JSON object). */
export function progressBar(label: string, total: number, unit = "images"): { update(done: number, text: string): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { stream: process.stderr, format: `${label} |{bar}| {value}/{total} ${unit} | {text}` },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { text: "" });
  return { update: (done, text) => bar.update(done, { text }), stop: () => bar.stop() };
}
