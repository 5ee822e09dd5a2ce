/**
 * The attacker's decision rule: how the label-only oracle turns calls of the defended classifier
 * g_{sigma,n} into the yes/no answer an attack sees. Three rules, by name:
 *
 * - `shortcut`: the paper's rule. One call per attack step; the step is adversarial when at least
 *   ceil(n Pa) of the call's n micro-decisions differ from y (docs/paper.md, attack-side shortcut).
 *   It reads the vote counts, which a real label-only attacker does not see.
 * - `label`: what a real label-only attacker sees. One call per step; adversarial when the call's
 *   majority label (ties to the smallest class index) differs from y. Pa does not enter.
 * - `repeat:K`: an attacker aware of the randomness. Each step asks K independent calls and is
 *   adversarial when at least ceil(K Pa) of their labels differ from y; it stops asking once the
 *   answer is decided. Every call counts in the budget. `repeat:1` answers like `label`.
 *
 * @see docs/paper.md eq. (4) and "The oracle's rules".
 */
import { wrongVotesNeeded } from "../theory/level.js";

/** An oracle rule, as configs, the CLI and records spell it. */
export type OracleRule = "shortcut" | "label" | `repeat:${number}`;

/** The paper's rule: the default of configs (so configs and records written before the field keep their bytes). */
export const DEFAULT_ORACLE_RULE: OracleRule = "shortcut";

/** Largest K of `repeat:K` (a larger one only burns the budget). */
export const MAX_REPEATS = 1000;

/** What `describe` says the accepted forms are (errors quote it). */
export const ORACLE_RULE_FORMS = `"shortcut", "label" or "repeat:K" with K an integer in [1, ${MAX_REPEATS}]`;

/** The rule named by `text`, or undefined when it names none. */
export function oracleRuleOf(text: unknown): OracleRule | undefined {
  if (text === "shortcut" || text === "label") return text;
  if (typeof text !== "string") return undefined;
  const m = /^repeat:([1-9][0-9]*)$/.exec(text);
  if (m === null) return undefined;
  const k = Number(m[1]);
  return k <= MAX_REPEATS ? `repeat:${k}` : undefined;
}

/** The rule named by `text`; a RangeError naming the accepted forms otherwise. */
export function parseOracleRule(text: unknown): OracleRule {
  const rule = oracleRuleOf(text);
  if (rule === undefined) throw new RangeError(`invalid oracle rule: expected ${ORACLE_RULE_FORMS}, got ${JSON.stringify(text)}`);
  return rule;
}

/** Calls of g per attack step: null for `shortcut` (one call, read by its votes), 1 for `label`, K for `repeat:K`. */
export function labelCalls(rule: OracleRule): number | null {
  if (rule === "shortcut") return null;
  if (rule === "label") return 1;
  return Number(rule.slice("repeat:".length));
}

/** Labels out of `calls` that must differ from y for a step to be adversarial at level Pa: ceil(K Pa), 1 for `label`. */
export function wrongLabelsNeeded(calls: number, pa: number): number {
  return wrongVotesNeeded(calls, pa);
}
