import type { Command } from "commander";
import { calibrateSigma, CALIBRATE_DEFAULTS } from "../../zoo/index.js";
import { parseNumber, printJson, RULES, UsageError } from "../args.js";
import { percent } from "../output.js";
import { loadModelAndData, zooOptions, zooSelection, type ZooFlags } from "./evaluate.js";

/** Registers `rsbench calibrate`. */
export function register(program: Command): void {
  zooOptions(
    program
      .command("calibrate")
      .description("Find the noise level sigma at which the smoothed classifier g(sigma, n) loses a given accuracy (docs/paper.md: 3% and 12%), by doubling then bisecting sigma with the same noise draws."),
  )
    .requiredOption("--drop <drop>", "accuracy the smoothed classifier may lose (clean minus smoothed), in (0, 1), e.g. 0.03")
    .option("--steps <steps>", "bisection steps once bracketed", String(CALIBRATE_DEFAULTS.steps))
    .option("--json", 'print one JSON object {sigma, cleanAccuracy, smoothedAccuracy, images, n, upper, steps}')
    .addHelpText("after", "\nExample:\n  rsbench calibrate --model fashion-mnist-standard --data fashion-mnist --drop 0.03 --count 500 --n 100")
    .action(async (flags: ZooFlags & { steps?: string }) => {
      const drop = parseNumber("--drop", flags.drop!, RULES.probability);
      const n = parseNumber("--n", flags.n!, RULES.n);
      const seed = parseNumber("--seed", flags.seed!, RULES.seed);
      const steps = parseNumber("--steps", flags.steps!, { min: 0, max: 30, integer: true });
      const { model, data } = await loadModelAndData(flags, zooSelection(flags, seed));
      const tty = process.stderr.isTTY;
      const result = await calibrateSigma(model.classifier, data, {
        drop, n, seed, steps,
        onStep: (s) => { if (tty) process.stderr.write(`sigma ${s.sigma.toPrecision(4)}: smoothed accuracy ${percent(s.accuracy)}\n`); },
      }).catch((error: unknown) => {
        throw error instanceof RangeError ? new UsageError(error.message) : error;
      });
      if (flags.json) {
        printJson({ model: model.name, data: data.source, ...result });
        return;
      }
      process.stdout.write([
        `${model.name} on ${data.source}: ${result.images} images, n = ${result.n} draws per image, seed ${result.seed}`,
        `clean accuracy ${percent(result.cleanAccuracy)}; target: lose at most ${percent(drop)}`,
        `sigma = ${Number(result.sigma.toPrecision(4))} (smoothed accuracy ${percent(result.smoothedAccuracy)}); sigma ${Number(result.upper.toPrecision(4))} already loses more`,
        `${result.steps.length} sigmas tried, ${result.steps.length * result.images * result.n} noisy forward passes`,
      ].join("\n") + "\n");
    });
}
