import { finiteJson } from "./output.js";

/** Argument parsing helpers shared by every command: errors name the flag, the value and what is allowed. */

/** A user error (bad flag or value): the CLI prints its message and exits with code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface NumberRule {
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  /** Inclusive upper bound. */
  max?: number;
  /** Exclusive upper bound. */
  below?: number;
  /** Largest sensible value: beyond it a run only takes for ever (refused with its own message). */
  limit?: number;
  integer?: boolean;
}

function describe(rule: NumberRule): string {
  const parts: string[] = [];
  if (rule.above !== undefined) parts.push(`> ${rule.above}`);
  if (rule.min !== undefined) parts.push(`>= ${rule.min}`);
  if (rule.below !== undefined) parts.push(`< ${rule.below}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  const kind = rule.integer ? "an integer" : "a number";
  return parts.length ? `${kind} ${parts.join(" and ")}` : kind;
}

/** Parses `--flag value` as a number obeying `rule`, or throws a UsageError naming the flag. */
export function parseNumber(flag: string, value: string | number, rule: NumberRule = {}): number {
  const text = String(value).trim();
  const x = text === "" ? NaN : Number(text);
  const ok =
    Number.isFinite(x) &&
    (!rule.integer || Number.isInteger(x)) &&
    (rule.min === undefined || x >= rule.min) &&
    (rule.above === undefined || x > rule.above) &&
    (rule.max === undefined || x <= rule.max) &&
    (rule.below === undefined || x < rule.below);
  if (!ok) throw new UsageError(`invalid ${flag}: expected ${describe(rule)}, got ${JSON.stringify(String(value))}`);
  if (rule.limit !== undefined && x > rule.limit) {
    throw new UsageError(`invalid ${flag}: expected at most ${rule.limit} (a larger value makes the run absurdly long or the noise meaningless), got ${JSON.stringify(String(value))}`);
  }
  return x;
}

/** Parses a comma-separated list of numbers ("0.25,0.5"), each obeying `rule`. */
export function parseNumberList(flag: string, value: string, rule: NumberRule = {}): number[] {
  const items = String(value).split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (items.length === 0) throw new UsageError(`invalid ${flag}: expected a comma-separated list of ${describe(rule)}, got ${JSON.stringify(value)}`);
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
export const LIMITS = Object.freeze({ sigma: 100, n: 10_000_000 });

/** Common parameter rules of the paper. */
export const RULES = {
  sigma: { above: 0, limit: LIMITS.sigma } as NumberRule,
  n: { min: 1, limit: LIMITS.n, integer: true } as NumberRule,
  pa: { above: 0, below: 1 } as NumberRule,
  alpha: { above: 0, below: 1 } as NumberRule,
  probability: { above: 0, below: 1 } as NumberRule,
  count: { min: 1, integer: true } as NumberRule,
  seed: { min: 0, max: Number.MAX_SAFE_INTEGER, integer: true } as NumberRule,
} as const;

/** Prints exactly one JSON object on stdout (the `--json` contract). Infinity/NaN become null. */
export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, finiteJson) + "\n");
}
