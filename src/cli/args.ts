import { describeInterval, inInterval, integerAtLeast, OPEN_UNIT, type Interval } from "../stats/validate.js";
import { CONFIG_LIMITS } from "../experiments/plan/config.js";
import { DeviceError } from "../model/device.js";
import { finiteJson } from "../io/json.js";
import { UsageError } from "./usageError.js";

/** Argument parsing helpers shared by every command: errors name the flag, the value and what is allowed. */

export { UsageError };

/**
 * The allowed values of a numeric flag: an Interval of the one checking vocabulary
 * (src/stats/validate.ts), and optionally the largest sensible value (`limit`): beyond it a run only
 * takes for ever, and it is refused with its own message.
 */
export type NumberRule = Interval & { readonly limit?: number };

/** Parses `--flag value` as a finite number obeying `rule`, or throws a UsageError naming the flag. */
export function parseNumber(flag: string, value: string | number, rule: NumberRule = {}): number {
  const text = String(value).trim();
  const x = text === "" ? NaN : Number(text);
  if (!Number.isFinite(x) || !inInterval(x, rule)) throw new UsageError(`invalid ${flag}: expected ${describeInterval(rule)}, got ${JSON.stringify(String(value))}`);
  if (rule.limit !== undefined && x > rule.limit) {
    throw new UsageError(`invalid ${flag}: expected at most ${rule.limit} (a larger value makes the run absurdly long or the noise meaningless), got ${JSON.stringify(String(value))}`);
  }
  return x;
}

/** Parses a comma-separated list of numbers ("0.25,0.5"), each obeying `rule`. */
export function parseNumberList(flag: string, value: string, rule: NumberRule = {}): number[] {
  const items = String(value).split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length === 0) throw new UsageError(`invalid ${flag}: expected a comma-separated list of ${describeInterval(rule)}, got ${JSON.stringify(value)}`);
  return items.map((s) => parseNumber(flag, s, rule));
}

/** Parses one of a fixed set of choices. */
export function parseChoice<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`invalid ${flag}: expected one of ${choices.join(", ")}, got ${JSON.stringify(value)}`);
}

/**
 * Upper bounds beyond which a value only makes a run absurd (hours per image, or noise that
 * drowns any image in [0, 1]): refused with the bound in the message rather than run for ever.
 */
export const LIMITS = CONFIG_LIMITS;

/** Common parameter rules of the paper. */
export const RULES = {
  sigma: { min: 0, openMin: true, limit: LIMITS.sigma } as NumberRule,
  n: { ...integerAtLeast(1), limit: LIMITS.n } as NumberRule,
  pa: OPEN_UNIT,
  alpha: OPEN_UNIT,
  probability: OPEN_UNIT,
  count: integerAtLeast(1),
  seed: integerAtLeast(0),
  /** An integer >= 0 (offsets, repeats). */
  index: integerAtLeast(0),
  /** A query budget per image: an integer >= 1, at most LIMITS.budget. */
  budget: { ...integerAtLeast(1), limit: LIMITS.budget } as NumberRule,
  /** Verification votes: an integer >= 0, at most LIMITS.n. */
  votes: { ...integerAtLeast(0), limit: LIMITS.n } as NumberRule,
} as const;

/** Prints exactly one JSON object on stdout (the `--json` contract). Infinity/NaN become null. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, finiteJson) + "\n");
}

/**
 * Runs the loading of a command's inputs (its model, class map and images, and their checks
 * against each other): a file that is missing, malformed or does not fit is a usage error (exit
 * 2, docs/reliability.md); a device that cannot start stays a runtime error (exit 1).
 */
export async function loadingInputs<T>(load: () => T | Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (error instanceof UsageError || error instanceof DeviceError || !(error instanceof Error)) throw error;
    throw new UsageError(error.message);
  }
}
