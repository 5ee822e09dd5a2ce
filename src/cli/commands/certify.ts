import type { Command } from "commander";
import { checkOut, percent, progressBar, RowFile, warn } from "../output.js";
import { fileAt, loadData, readClassMap, type LabeledImages, type Selection } from "../../data/index.js";
import type { Classifier } from "../../model/classifier.js";
import { checkModelData, loadModel } from "../../zoo/index.js";
import { loadingInputs, parseNumber, printJson, RULES, UsageError } from "../args.js";
import { deviceFlag, deviceOption, modelFlags } from "../device.js";
import { QUIET_HELP } from "../progress.js";
import { certifyImages, CERTIFY_DEFAULTS, type CertifyRow, type CertifySummary } from "../../smoothing/index.js";

/** Help of --class-map (every command that reads a dataset). */
export const CLASS_MAP_HELP = 'folder datasets: JSON file {"folder name": label} giving the model label of each class folder (default: the folders\' sorted positions)';

/** Flags shared by `rsbench predict` and `rsbench certify` (commander hands values over as strings). */
export interface EvaluationFlags {
  model: string;
  data: string;
  sigma: string;
  n?: string;
  n0?: string;
  alpha?: string;
  count?: string;
  offset?: string;
  seed?: string;
  batch?: string;
  out?: string;
  classMap?: string;
  resize?: boolean;
  json?: boolean;
  quiet?: boolean;
  device?: string;
}

/** Defaults and wording of the flags that certify and predict share. */
interface SharedFlagSpec {
  readonly verb: string;
  readonly alpha: string;
  readonly defaults: { readonly alpha: number; readonly seed: number; readonly batchSize: number };
}

/**
 * Declares the flags of `rsbench certify` and `rsbench predict` that mean the same in both: the
 * model and data, sigma, alpha, the image selection, the seed, the batch, --resize and --json.
 * `own` adds the command's own flags after sigma (draw counts) and --out (its columns).
 */
export function evaluationCommand(command: Command, spec: SharedFlagSpec, own: (command: Command) => Command, out: string): Command {
  command
    .requiredOption("--model <model>", "shipped model name or path of an ONNX model")
    .requiredOption("--data <data>", "dataset: fashion-mnist[:test|:train], mnist[...], or a class-per-subfolder folder")
    .requiredOption("--sigma <sigma>", "noise standard deviation in pixel units, > 0");
  return deviceOption(own(command))
    .option("--alpha <alpha>", spec.alpha, String(spec.defaults.alpha))
    .option("--count <count>", `${spec.verb} the first C images (defaults to all)`)
    .option("--offset <offset>", "skip the first O images before selecting")
    .option("--seed <seed>", "seed of the noise; image i uses the stream (seed, index of i)", String(spec.defaults.seed))
    .option("--batch <batch>", `largest base-model call, in images (does not change results; defaults to ${spec.defaults.batchSize}, at most 2^22 values per call: 27 images at 3x224x224)`)
    .option("--out <file>", `stream one row per image to FILE as it finishes: ${out}; tab-separated, or JSON lines for .jsonl`)
    .option("--resize", "resize images that do not match the model's input shape")
    .option("--class-map <file>", CLASS_MAP_HELP)
    .option("--json", "print one JSON object {summary, images} instead of the text summary")
    .option("--quiet", QUIET_HELP);
}

/** The shared flags parsed and checked (each error names its flag), the selection, the model and the images. */
export async function evaluationInputs(flags: EvaluationFlags) {
  const sigma = parseNumber("--sigma", flags.sigma, RULES.sigma);
  const alpha = parseNumber("--alpha", flags.alpha!, RULES.alpha);
  const seed = parseNumber("--seed", flags.seed!, RULES.seed);
  // Absent: the library's default for the model's input size (src/smoothing/certify.ts CERTIFY_DEFAULTS).
  const batchSize = flags.batch === undefined ? undefined : parseNumber("--batch", flags.batch, RULES.count);
  const chosen = selection(flags);
  checkOut(flags.out, { model: flags.model, data: flags.data, classMap: flags.classMap });
  return { sigma, alpha, seed, batchSize, ...(await loadInputs(flags, chosen)) };
}

/** Images chosen by --count and --offset. */
export function selection(flags: EvaluationFlags): Selection {
  const count = flags.count === undefined ? undefined : parseNumber("--count", flags.count, RULES.count);
  const offset = flags.offset === undefined ? undefined : parseNumber("--offset", flags.offset, { min: 0, integer: true });
  return { count, offset };
}

/** Loads the model (shipped name or .onnx path) and the images in the model's shape (resized with --resize). */
export function loadInputs(flags: EvaluationFlags, chosen: Selection): Promise<{ classifier: Classifier; name: string; set: LabeledImages }> {
  return loadingInputs(() => loadInputsOf(flags, chosen));
}

async function loadInputsOf(flags: EvaluationFlags, chosen: Selection): Promise<{ classifier: Classifier; name: string; set: LabeledImages }> {
  const model = await loadModel(flags.model, modelFlags(flags));
  const classMap = flags.classMap === undefined ? undefined : readClassMap(flags.classMap);
  const set = await loadData(flags.data, { selection: chosen, shape: model.classifier.shape, resize: flags.resize ?? false, classMap }).catch((error: unknown) => {
    throw error instanceof RangeError ? new UsageError(error.message) : error; // e.g. --count above the images available
  });
  checkModelData(model, set, warn);
  return { classifier: model.classifier, name: model.name, set };
}

/** Defaults of `rsbench certify`: Cohen et al.'s (locuslab/smoothing code/certify.py). */
export const CERTIFY_COMMAND_DEFAULTS = Object.freeze({ ...CERTIFY_DEFAULTS, seed: 0 });

const COLUMNS = ["index", "label", "prediction", "radius", "correct", "seconds"] as const;

/** The --out columns: `columns`, with "file" after "index" for a folder dataset. */
export function rowColumns(set: LabeledImages, columns: readonly string[]): string[] {
  return set.files === undefined ? [...columns] : columns.flatMap((c) => (c === "index" ? [c, "file"] : [c]));
}

/** `{ file }` of the image with source index `index` of a folder dataset (its path relative to the folder), `{}` for a built-in dataset. */
export function fileOf(set: LabeledImages, index: number): { file?: string } {
  const position = set.indices.indexOf(index);
  const file = position < 0 ? undefined : fileAt(set, position);
  return file === undefined ? {} : { file };
}

function summaryText(model: string, data: string, s: CertifySummary): string {
  return [
    `CERTIFY on ${model}, ${data}: sigma=${s.sigma} n0=${s.n0} n=${s.n} alpha=${s.alpha} seed=${s.seed}`,
    `images: ${s.images}, clean accuracy (base model): ${percent(s.cleanAccuracy)}, abstentions: ${s.abstain}`,
    "radius   certified accuracy",
    ...s.certifiedAccuracy.map((a) => `${a.radius.toFixed(2).padStart(6)}   ${percent(a.accuracy).padStart(8)}`),
    `forward passes: ${s.forwardPasses}, time: ${s.seconds.toFixed(1)} s`,
  ].join("\n") + "\n";
}

/** Registers `rsbench certify`. */
export function register(program: Command): void {
  const command = program
    .command("certify")
    .description("Cohen et al.'s CERTIFY on each image: a class and an L2 radius within which g(sigma) is certified constant with probability 1 - alpha, or abstain.");
  evaluationCommand(
    command,
    { verb: "certify", alpha: "failure probability of each certificate, in (0, 1)", defaults: CERTIFY_COMMAND_DEFAULTS },
    (c) => c
      .option("--n0 <n0>", "selection draws (guess of the top class)", String(CERTIFY_COMMAND_DEFAULTS.n0))
      .option("--n <n>", "estimation draws (lower bound on its probability)", String(CERTIFY_COMMAND_DEFAULTS.n)),
    "index, label, prediction (or abstain), radius, correct, seconds (a folder dataset adds file, after index)",
  )
    .addHelpText("after", "\nExample:\n  rsbench certify --model fashion-mnist-standard --data fashion-mnist --sigma 0.25 --count 20 --n 10000 --out certify.tsv")
    .action(async (flags: EvaluationFlags) => {
      const n0 = parseNumber("--n0", flags.n0!, RULES.n);
      const n = parseNumber("--n", flags.n!, RULES.n);
      const { sigma, alpha, seed, batchSize, classifier, name, set } = await evaluationInputs(flags);
      const columns = rowColumns(set, COLUMNS);
      const out = RowFile.open(flags.out, columns);
      const bar = progressBar("certify", set.count, { log: true, quiet: flags.quiet });
      let certified = 0;
      try {
        const { summary, images } = await certifyImages(classifier, set, {
          sigma, n0, n, alpha, seed, batchSize,
          onDraws: bar.within,
          onImage: (row: CertifyRow, done) => {
            out?.write(Object.fromEntries(columns.map((c) => [c, c === "file" ? fileOf(set, row.index).file : row[c as (typeof COLUMNS)[number]]])));
            if (row.correct) certified++;
            bar.update(done, `certified correct ${certified}/${done}`);
          },
        });
        out?.commit();
        bar.stop();
        if (flags.json) {
          printJson({
            summary: { model: name, data: set.source, ...summary },
            images: images.map((r) => ({ index: r.index, ...fileOf(set, r.index), label: r.label, prediction: r.prediction, radius: r.radius, correct: r.correct, pABar: r.pABar, seconds: r.seconds })),
          });
        } else {
          process.stdout.write(summaryText(name, set.source, summary));
        }
      } finally {
        bar.stop();
        out?.close();
      }
    });
}
