import type { Command } from "commander";
import { percent, progressBar, warn } from "../output.js";
import { CLASS_MAP_HELP } from "./certify.js";
import { loadData, readClassMap, type LabeledImages, type Selection } from "../../data/index.js";
import { checkModelData, evaluateModel, EVALUATE_DEFAULTS, loadModel, type LoadedModel } from "../../zoo/index.js";
import { loadingInputs, parseNumber, parseNumberList, printJson, RULES, UsageError } from "../args.js";
import { deviceFlag, deviceOption, modelFlags } from "../device.js";

/** Flags of `rsbench evaluate` and `rsbench calibrate` (commander hands values over as strings). */
export interface ZooFlags {
  model: string;
  data: string;
  sigma?: string;
  drop?: string;
  n?: string;
  count?: string;
  offset?: string;
  sample?: string;
  seed?: string;
  resize?: boolean;
  classMap?: string;
  json?: boolean;
  device?: string;
}

/** Images chosen by --count/--offset, or --sample with --seed. */
export function zooSelection(flags: ZooFlags, seed: number): Selection {
  const offset = flags.offset === undefined ? undefined : parseNumber("--offset", flags.offset, { min: 0, integer: true });
  const count = flags.count === undefined ? undefined : parseNumber("--count", flags.count, RULES.count);
  if (flags.sample === undefined) return { count, offset };
  return { count, offset, sample: parseNumber("--sample", flags.sample, RULES.count), seed };
}

/** Loads the model and the selected images (resized to the model with --resize), checking they fit. */
export function loadModelAndData(flags: ZooFlags, selection: Selection): Promise<{ model: LoadedModel; data: LabeledImages }> {
  return loadingInputs(() => loadModelAndDataOf(flags, selection));
}

async function loadModelAndDataOf(flags: ZooFlags, selection: Selection): Promise<{ model: LoadedModel; data: LabeledImages }> {
  const model = await loadModel(flags.model, modelFlags(flags));
  const classMap = flags.classMap === undefined ? undefined : readClassMap(flags.classMap);
  const data = await loadData(flags.data, { selection, shape: model.classifier.shape, resize: flags.resize ?? false, classMap }).catch((error: unknown) => {
    throw error instanceof RangeError ? new UsageError(error.message) : error;
  });
  checkModelData(model, data, warn);
  return { model, data };
}

/** Adds the model, data and selection flags shared by evaluate and calibrate. */
export function zooOptions(command: Command): Command {
  return deviceOption(command)
    .requiredOption("--model <model>", "shipped model name (see rsbench models) or path of an ONNX model")
    .requiredOption("--data <data>", "dataset: fashion-mnist[:test|:train], mnist[...], or a class-per-subfolder folder")
    .option("--n <n>", "noisy copies per image of g(sigma, n)", String(EVALUATE_DEFAULTS.n))
    .option("--count <count>", "use the first C images (defaults to all)")
    .option("--offset <offset>", "skip the first O images before selecting")
    .option("--sample <count>", "use C images drawn at random with --seed")
    .option("--seed <seed>", "seed of the noise (and of --sample); image p of the selection uses stream p", String(EVALUATE_DEFAULTS.seed))
    .option("--resize", "resize images that do not match the model's input shape")
    .option("--class-map <file>", CLASS_MAP_HELP);
}

/** Registers `rsbench evaluate`. */
export function register(program: Command): void {
  zooOptions(
    program
      .command("evaluate")
      .description("Clean accuracy of a model and accuracy of its smoothed classifier g(sigma, n) (majority of n noisy copies, no abstention) for each sigma."),
  )
    .option("--sigma <s1,s2,...>", "noise levels of g(sigma, n), comma-separated, each > 0 (defaults to none: clean accuracy only)")
    .option("--json", 'print one JSON object {"clean": {accuracy, images}, "smoothed": [{sigma, n, accuracy}]}')
    .addHelpText("after", "\nExample:\n  rsbench evaluate --model fashion-mnist-standard --data fashion-mnist --sigma 0.05,0.15 --n 100 --count 500")
    .action(async (flags: ZooFlags) => {
      const sigmas = flags.sigma === undefined ? [] : parseNumberList("--sigma", flags.sigma, RULES.sigma);
      const n = parseNumber("--n", flags.n!, RULES.n);
      const seed = parseNumber("--seed", flags.seed!, RULES.seed);
      const { model, data } = await loadModelAndData(flags, zooSelection(flags, seed));
      const bar = progressBar("evaluate", data.count * (1 + sigmas.length));
      const stages: Array<"clean" | number> = ["clean", ...sigmas];
      const result = await evaluateModel(model.classifier, data, {
        sigmas, n, seed,
        onProgress: (stage, done) => bar.update(stages.indexOf(stage) * data.count + done, stage === "clean" ? "clean" : `sigma ${stage}`),
      });
      bar.stop();
      if (flags.json) {
        printJson({ model: model.name, data: data.source, seed, clean: result.clean, smoothed: result.smoothed, forwardPasses: result.forwardPasses });
        return;
      }
      const lines = [
        `${model.name} on ${data.source}: ${data.count} images, seed ${seed}`,
        `clean accuracy: ${percent(result.clean.accuracy)}`,
        ...result.smoothed.map((s) => `g(sigma=${s.sigma}, n=${s.n}) accuracy: ${percent(s.accuracy)}`),
        `forward passes: ${result.forwardPasses}`,
      ];
      process.stdout.write(lines.join("\n") + "\n");
    });
}
