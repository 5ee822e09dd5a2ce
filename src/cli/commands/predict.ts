import type { Command } from "commander";
import { CERTIFY_DEFAULTS, predictImages, type PredictRow, type PredictSummary } from "../../smoothing/index.js";
import { parseNumber, printJson, RULES } from "../args.js";
import { percent, progressBar, RowFile } from "../output.js";
import { evaluationCommand, evaluationInputs, fileOf, rowColumns, type EvaluationFlags } from "./certify.js";

/** Defaults of `rsbench predict`: alpha as in locuslab/smoothing code/predict.py. */
export const PREDICT_COMMAND_DEFAULTS = Object.freeze({ alpha: CERTIFY_DEFAULTS.alpha, batchSize: CERTIFY_DEFAULTS.batchSize, seed: 0 });

const COLUMNS = ["index", "label", "prediction", "correct", "pValue", "seconds"] as const;

function summaryText(model: string, data: string, s: PredictSummary): string {
  return [
    `PREDICT on ${model}, ${data}: sigma=${s.sigma} n=${s.n} alpha=${s.alpha} seed=${s.seed}`,
    `images: ${s.images}, accuracy: ${percent(s.accuracy)}, abstentions: ${s.abstain}`,
    `forward passes: ${s.forwardPasses}, time: ${s.seconds.toFixed(1)} s`,
  ].join("\n") + "\n";
}

/** Registers `rsbench predict`. */
export function register(program: Command): void {
  const command = program
    .command("predict")
    .description("Cohen et al.'s PREDICT on each image: the class of g(sigma) with probability 1 - alpha, or abstain when the top two counts are too close (binomial test).");
  evaluationCommand(
    command,
    { verb: "predict", alpha: "level of the binomial test, in (0, 1)", defaults: PREDICT_COMMAND_DEFAULTS },
    (c) => c.requiredOption("--n <n>", "noise draws per image, an integer >= 1"),
    "index, label, prediction (or abstain), correct, pValue, seconds (a folder dataset adds file, after index)",
  )
    .addHelpText("after", "\nExample:\n  rsbench predict --model fashion-mnist-standard --data fashion-mnist --sigma 0.25 --n 1000 --count 100")
    .action(async (flags: EvaluationFlags) => {
      const n = parseNumber("--n", flags.n!, RULES.n);
      const { sigma, alpha, seed, batchSize, classifier, name, set } = await evaluationInputs(flags);
      const columns = rowColumns(set, COLUMNS);
      const out = RowFile.open(flags.out, columns);
      const bar = progressBar("predict", set.count, { log: true, quiet: flags.quiet });
      let correct = 0;
      try {
        const { summary, images } = await predictImages(classifier, set, {
          sigma, n, alpha, seed, batchSize,
          onDraws: bar.within,
          onImage: (row: PredictRow, done) => {
            out?.write(Object.fromEntries(columns.map((c) => [c, c === "file" ? fileOf(set, row.index).file : row[c as (typeof COLUMNS)[number]]])));
            if (row.correct) correct++;
            bar.update(done, `correct ${correct}/${done}`);
          },
        });
        out?.commit();
        bar.stop();
        if (flags.json) {
          printJson({
            summary: { model: name, data: set.source, ...summary },
            images: images.map((r) => ({ index: r.index, ...fileOf(set, r.index), label: r.label, prediction: r.prediction, correct: r.correct, pValue: r.pValue, seconds: r.seconds })),
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
