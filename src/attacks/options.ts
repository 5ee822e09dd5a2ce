/**
 * Checks of an attack's options against its registry entry, before anything runs: unknown names
 * (a typo would otherwise be ignored), values of the wrong type, then the attack's own checks of
 * the merged options. Every problem names its path ("attacks[0].options.numIterations").
 */
import { attackOptions, type AttackEntry } from "./registry.js";
import type { Norm } from "./types.js";

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** The problems of `options` for `entry` (empty when they are valid), each prefixed with `path`. */
export function attackOptionProblems(entry: AttackEntry, norm: Norm, options: Readonly<Record<string, unknown>>, path: string): string[] {
  const defaults = entry.defaults as Readonly<Record<string, unknown>>;
  const problems: string[] = [];
  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(defaults, key)) {
      problems.push(`${path}.${key}: unknown option (allowed: ${Object.keys(defaults).join(", ")})`);
      continue;
    }
    const expected = kindOf(defaults[key]), got = kindOf(value);
    if (expected !== got) problems.push(`${path}.${key}: expected ${expected === "array" ? "an array" : `a ${expected}`}, got ${JSON.stringify(value)}`);
  }
  if (problems.length === 0 && entry.validate) {
    try {
      entry.validate(attackOptions(entry, norm, options));
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      problems.push(`${path}: ${error.message}`);
    }
  }
  return problems;
}
