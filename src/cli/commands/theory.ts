import type { Command } from "commander";
import { clopperPearson } from "../../stats/index.js";
import { certifiedRadius, distanceBound, exactPi0Max, levelThreshold, marginTerm, pi0Max, sormPi0 } from "../../theory/index.js";
import { parseNumber, parseNumberList, printJson, RULES, UsageError } from "../args.js";

/** Flags shared by the theory subcommands (commander hands values over as strings). */
interface TheoryFlags {
  p?: string;
  sigma?: string;
  n?: string;
  pa?: string;
  beta?: string;
  kappa?: string;
  k?: string;
  alpha?: string;
  json?: boolean;
}

/** pA and p: strictly inside (0, 1), so that Phi^-1 is finite. */
const PROBABILITY_RULE = RULES.probability;
/** beta = delta / sigma >= 0: SORM is written for x on its own side of the boundary. */
const BETA_RULE = { min: 0 };
/** Curvatures: any finite number (sormPi0 checks 1 + beta kappa > 0 for each). */
const KAPPA_RULE = {};
/** Successes k: an integer >= 0 (checked against n below). */
const K_RULE = { min: 0, integer: true };

/** Runs a library call, turning its RangeError (a bad parameter) into a usage error (exit 2). */
function usage<T>(compute: () => T): T {
  try {
    return compute();
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

function format(x: number): string {
  return Number.isFinite(x) ? String(Number(x.toPrecision(6))) : String(x);
}

function output(flags: TheoryFlags, json: Record<string, number>, text: string[]): void {
  if (flags.json) printJson(json);
  else process.stdout.write(text.join("\n") + "\n");
}

/** Registers `rsbench theory radius|margin|sorm|bound|clopper-pearson`. */
export function register(program: Command): void {
  const theory = program
    .command("theory")
    .description("Theory calculators of the paper: certified radius (2), SORM (3), level-Pa margin (5, 6), Clopper-Pearson bounds.");

  theory
    .command("radius")
    .description("Certified L2 radius R = sigma * Phi^-1(pA) (eq. 2); 0 when pA <= 1/2 (no certificate).")
    .requiredOption("--p <pA>", "probability (or its lower bound) of the top class, in (0, 1)")
    .requiredOption("--sigma <sigma>", "noise standard deviation in pixel units, > 0")
    .option("--json", "print one JSON object {radius}")
    .addHelpText("after", "\nExample:\n  rsbench theory radius --p 0.99 --sigma 0.25 --json   # {\"radius\":0.581587...}")
    .action((flags: TheoryFlags) => {
      const p = parseNumber("--p", flags.p!, PROBABILITY_RULE);
      const sigma = parseNumber("--sigma", flags.sigma!, RULES.sigma);
      const radius = usage(() => certifiedRadius(p, sigma));
      output(flags, { radius }, [
        `certified radius R = sigma * Phi^-1(pA) = ${format(radius)}` + (p <= 0.5 ? "  (pA <= 1/2: no certificate)" : ""),
      ]);
    });

  theory
    .command("margin")
    .description("Level-Pa threshold q = I^-1_Pa(m, m), m = 1 + floor(n/2), pi0Max = 1 - q (eq. 5) and margin = sigma * Phi^-1(q) (eq. 6).")
    .requiredOption("--n <n>", "number of noise draws of g(sigma, n), an integer >= 1")
    .requiredOption("--pa <Pa>", "level of the adversarial example, in (0, 1)")
    .requiredOption("--sigma <sigma>", "noise standard deviation in pixel units, > 0")
    .option("--json", "print one JSON object {q, pi0Max, margin}")
    .addHelpText("after", "\nExample:\n  rsbench theory margin --n 10 --pa 0.8 --sigma 1 --json   # margin 0.311 (docs/paper.md)")
    .action((flags: TheoryFlags) => {
      const n = parseNumber("--n", flags.n!, RULES.n);
      const pa = parseNumber("--pa", flags.pa!, RULES.pa);
      const sigma = parseNumber("--sigma", flags.sigma!, RULES.sigma);
      const q = usage(() => levelThreshold(n, pa));
      const p0 = usage(() => pi0Max(n, pa));
      const margin = usage(() => marginTerm(n, pa, sigma));
      const text = [
        `q = I^-1_Pa(m, m) with m = ${1 + Math.floor(n / 2)}: ${format(q)}`,
        `pi0Max = 1 - q: ${format(p0)}`,
        `margin = sigma * Phi^-1(q): ${format(margin)}`,
      ];
      if (n % 2 === 0) {
        const adv = usage(() => exactPi0Max(n, pa, "adversarial"));
        const orig = usage(() => exactPi0Max(n, pa, "original"));
        text.push(`even n: the formula is exact for n + 1 draws; exact pi0Max for n = ${n} is ${format(adv)} when ties count as adversarial, ${format(orig)} when they keep the label`);
      }
      output(flags, { q, pi0Max: p0, margin }, text);
    });

  theory
    .command("sorm")
    .description("SORM approximation pi_0 = Phi(-beta) * prod_i (1 + beta * kappa_i)^(-1/2) (eq. 3).")
    .requiredOption("--beta <beta>", "distance to the boundary of f in units of sigma, >= 0")
    .option("--kappa <list>", "comma-separated principal curvatures (noise-scaled); omit for a flat boundary")
    .option("--json", "print one JSON object {pi0}")
    .addHelpText("after", "\nExample:\n  rsbench theory sorm --beta 1.5 --kappa=-0.2,0.1,0.3 --json")
    .action((flags: TheoryFlags) => {
      const beta = parseNumber("--beta", flags.beta!, BETA_RULE);
      const kappas = flags.kappa === undefined ? [] : parseNumberList("--kappa", flags.kappa, KAPPA_RULE);
      const pi0 = usage(() => sormPi0(beta, kappas));
      output(flags, { pi0 }, [`pi_0 ~= Phi(-beta) * prod (1 + beta * kappa_i)^(-1/2) = ${format(pi0)} (${kappas.length} curvatures)`]);
    });

  theory
    .command("bound")
    .description("Distortion bound of a level-Pa adversarial example: sigma * Phi^-1(p) + sigma * Phi^-1(q) (eq. 6).")
    .requiredOption("--p <pA>", "top-class probability at the original image, in (0, 1)")
    .requiredOption("--n <n>", "number of noise draws of g(sigma, n), an integer >= 1")
    .requiredOption("--pa <Pa>", "level of the adversarial example, in (0, 1)")
    .requiredOption("--sigma <sigma>", "noise standard deviation in pixel units, > 0")
    .option("--json", "print one JSON object {bound}")
    .addHelpText("after", "\nExample:\n  rsbench theory bound --p 0.99 --n 10 --pa 0.8 --sigma 0.25 --json")
    .action((flags: TheoryFlags) => {
      const p = parseNumber("--p", flags.p!, PROBABILITY_RULE);
      const n = parseNumber("--n", flags.n!, RULES.n);
      const pa = parseNumber("--pa", flags.pa!, RULES.pa);
      const sigma = parseNumber("--sigma", flags.sigma!, RULES.sigma);
      const bound = usage(() => distanceBound(p, n, pa, sigma));
      output(flags, { bound }, [`||x_o - x_a|| >= sigma * Phi^-1(p) + sigma * Phi^-1(q) = ${format(bound)}`]);
    });

  theory
    .command("clopper-pearson")
    .description("One-sided Clopper-Pearson bounds on a binomial proportion, each at level alpha (Cohen's pABar is the lower one).")
    .requiredOption("--k <k>", "number of successes, an integer in [0, n]")
    .requiredOption("--n <n>", "number of trials, an integer >= 1")
    .requiredOption("--alpha <alpha>", "failure probability of each bound, in (0, 1)")
    .option("--json", "print one JSON object {lower, upper}")
    .addHelpText("after", "\nExample:\n  rsbench theory clopper-pearson --k 100000 --n 100000 --alpha 0.001 --json")
    .action((flags: TheoryFlags) => {
      const k = parseNumber("--k", flags.k!, K_RULE);
      const n = parseNumber("--n", flags.n!, RULES.n);
      const alpha = parseNumber("--alpha", flags.alpha!, RULES.alpha);
      if (k > n) throw new UsageError(`invalid --k: expected an integer in [0, ${n}] (at most --n), got ${JSON.stringify(flags.k)}`);
      const { lower, upper } = usage(() => clopperPearson(k, n, alpha));
      output(flags, { lower, upper }, [
        `with probability >= 1 - ${alpha}: p >= ${format(lower)}`,
        `with probability >= 1 - ${alpha}: p <= ${format(upper)}`,
      ]);
    });
}
