import { readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BUILTIN_DATASETS } from "../data/builtin.js";
import type { ExperimentConfig } from "../experiments/plan/config.js";
import { readRun } from "../experiments/store/runDirectory.js";
import { runStatus } from "../experiments/store/status.js";
import { readStore } from "../experiments/store/store.js";
import { renderSvg, writeFigureFiles } from "../figures/render.js";
import { writeFileAtomicAsync } from "../io/atomic.js";
import { MODEL_NAMES, readCard } from "../zoo/catalog.js";
import type { ReportInput } from "./input.js";
import { buildReportHtml, reportFigures, type ReportOptions } from "./report.js";

/** Options of `writeReport`. */
export interface WriteReportOptions extends ReportOptions {
  /** File name of the report in the run directory. Defaults to "report.html". */
  readonly fileName?: string;
  /** Also write each figure as figures/<name>.vl.json, .svg and .png. Defaults to true. */
  readonly figureFiles?: boolean;
  /** Overrides of what is read from the run directory (e.g. generatedAt, for reproducible files). */
  readonly input?: Partial<ReportInput>;
  /** Told after each step (the CLI prints it): reading the records, rendering each figure, writing. */
  readonly onProgress?: (progress: ReportProgress) => void;
}

/**
 * A step of writeReport done: "read" (the run's records), "figure" (figure `done` of `total`
 * rendered, SVG and PNG), "html" (report.html written). `seconds` since writeReport began.
 */
export interface ReportProgress {
  readonly step: "read" | "figure" | "html";
  readonly done: number;
  readonly total: number;
  /** "read": records read; "figure": the figure's name. */
  readonly detail: string;
  readonly seconds: number;
}

/** Defaults of writeReport: report.html in the run directory, figure files under figures/. */
export const WRITE_REPORT_DEFAULTS = { fileName: "report.html", figureFiles: true } as const;

/**
 * Reads a run directory (config.json, run.json, results.jsonl) and the cards of the shipped
 * models its config names, into the input of a report.
 */
export function readReportInput(runDir: string): ReportInput {
  const { manifest, config } = readRun(runDir);
  // Only the records of the config's own items (torn, foreign and repeated lines are not reported on).
  const records = [...runStatus(config, manifest, readStore(runDir)).records];
  const models = [...new Set(config.defenses.map((d) => d.model))];
  return {
    title: `rsbench run "${config.name}"`,
    config,
    manifest,
    records,
    modelCards: models.map((name) => ({ name, card: MODEL_NAMES.includes(name) ? (readCard(name) ?? null) : null })),
    classNames: classNamesOf(config),
  };
}

function classNamesOf(config: ExperimentConfig): readonly string[] | undefined {
  const name = config.data.dataset.replace(/:(train|test)$/, "");
  return BUILTIN_DATASETS.find((d) => d.name === name)?.classNames;
}

/**
 * Writes the self-contained HTML report of a run into its directory (atomically: a temporary
 * file, then a rename, so a reader never sees half a report) and, by default, every figure as
 * spec, SVG and PNG under figures/. Returns the report's path. Works on a run in progress too:
 * the report says how many items are done.
 */
export async function writeReport(runDir: string, options: WriteReportOptions = {}): Promise<string> {
  const start = performance.now();
  const tell = (step: ReportProgress["step"], done: number, total: number, detail: string) =>
    options.onProgress?.({ step, done, total, detail, seconds: (performance.now() - start) / 1000 });
  const input = { ...readReportInput(runDir), ...options.input };
  tell("read", 1, 1, `${input.records.length} records`);
  // Each figure is rendered once, for the figure files and the report.
  const figures = reportFigures(input.records, options, input.classNames);
  const svgs = new Map<string, string>();
  for (const [i, figure] of figures.entries()) {
    const svg = await renderSvg(figure.spec);
    svgs.set(figure.name, svg);
    if (options.figureFiles ?? WRITE_REPORT_DEFAULTS.figureFiles) await writeFigureFiles(join(runDir, "figures"), figure.name, figure.spec, svg);
    tell("figure", i + 1, figures.length, figure.name);
  }
  if (options.figureFiles ?? WRITE_REPORT_DEFAULTS.figureFiles) removeStaleFigures(join(runDir, "figures"), new Set(figures.map((f) => f.name)));
  const html = await buildReportHtml(input, options, svgs);
  const path = join(runDir, options.fileName ?? WRITE_REPORT_DEFAULTS.fileName);
  await writeFileAtomicAsync(path, html);
  tell("html", 1, 1, path);
  return path;
}

/** The files a report writes for a figure: fig<1-6>[-detail].{vl.json,svg,png}. */
const FIGURE_FILE = /^(fig[1-6](?:-[A-Za-z0-9._-]*)?)\.(?:vl\.json|svg|png)$/;

/**
 * Removes the figure files of an earlier report that this one no longer writes (e.g. fig6 of a
 * run that no longer has a repeating attacker, or fig1 of another image), so figures/ never shows
 * a figure the report does not. Files not named like a report's figure are left alone.
 */
function removeStaleFigures(dir: string, written: ReadonlySet<string>): void {
  let files: string[];
  try {
    files = readdirSync(dir);
  } catch {
    return;
  }
  for (const file of files) {
    const name = FIGURE_FILE.exec(file)?.[1];
    if (name !== undefined && !written.has(name)) rmSync(join(dir, file), { force: true });
  }
}
