import cliProgress from "cli-progress";
import { checkOutputPath, OutputPathError } from "../io/outputPath.js";
import { resolveModel } from "../zoo/load.js";
import { UsageError } from "./args.js";

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

/** Prints a warning on stderr ("rsbench: warning: ..."): the CLI's side of the library's warning callbacks. */
export function warn(message: string): void {
  process.stderr.write(`rsbench: warning: ${message}\n`);
}

/** What a command reads, for the output-path check: a model (shipped name or path), a dataset, a config, a class map. */
export interface CommandInputs {
  readonly model?: string | readonly string[];
  readonly data?: string | readonly string[];
  readonly config?: string;
  readonly classMap?: string;
}

/**
 * Checks a command's `--out` before anything runs (see io/outputPath.ts): it may not be one of the
 * command's inputs, a run directory's own files, or inside /proc or /sys. A UsageError otherwise.
 */
export function checkOut(out: string | undefined, inputs: CommandInputs, kind: "file" | "directory" = "file"): void {
  if (out === undefined) return;
  const list = (v: string | readonly string[] | undefined): readonly string[] => (v === undefined ? [] : typeof v === "string" ? [v] : v);
  const modelPath = (m: string): string => {
    try { return resolveModel(m).path; } catch { return m; }
  };
  try {
    checkOutputPath(out, {
      kind,
      inputs: [
        ...list(inputs.model).map((m) => ({ path: modelPath(m), what: "the model" })),
        ...list(inputs.data).map((d) => ({ path: d, what: "the dataset" })),
        { path: inputs.config, what: "the config" },
        { path: inputs.classMap, what: "the class map" },
      ],
    });
  } catch (error) {
    throw error instanceof OutputPathError ? new UsageError(error.message) : error;
  }
}
