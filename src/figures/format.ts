import { labelCalls, oracleRuleOf } from "../oracle/rule.js";
import type { DefenseInput, DefenseKindInput } from "./inputs.js";

/**
 * How numbers, attack names and rows read in figures and the report: 4 significant digits (a
 * sigma of 0.03671875000000001 reads 0.03672), the attacks' own names (HSJA, SurFree, RayS) and
 * one reading order of defense points and attacks.
 */

/** Significant digits of every number shown in a figure or a report table. */
export const DISPLAY_DIGITS = 4;

/** A number for display: `digits` significant digits, integers as they are, "–" for null/NaN, "∞" for Infinity. */
export function formatNumber(x: number | null | undefined, digits = DISPLAY_DIGITS): string {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (!Number.isFinite(x)) return x > 0 ? "∞" : "−∞";
  if (Number.isInteger(x)) return String(x);
  return String(Number(x.toPrecision(digits)));
}

/**
 * Rewrites the decimals inside a stored text (a panel name such as "RS σ=0.06640625 n=10",
 * written by runs before names were formatted) to `digits` significant digits. Integers and
 * short decimals are left as they are.
 */
export function shortenNumbers(text: string, digits = DISPLAY_DIGITS): string {
  return text.replace(/\d+\.\d+(?:e-?\d+)?/g, (x) => formatNumber(Number(x), digits));
}

/** The attacks' names as their papers spell them, by registered name (src/attacks/registry.ts). */
export const ATTACK_DISPLAY_NAMES: Readonly<Record<string, string>> = { hsja: "HSJA", surfree: "SurFree", rays: "RayS", psj: "PSJ" };

/** The display name of a registered attack: "hsja" → "HSJA"; an unknown name as it is. */
export function attackName(name: string): string {
  return ATTACK_DISPLAY_NAMES[name] ?? name;
}

/** " @6000" naming an attack's budget when the attack ran at several budgets (`several`), "" otherwise. */
export function budgetSuffix(budget: number | null | undefined, several: boolean): string {
  return several && budget != null ? ` @${budget}` : "";
}

/** Attacks that ran at more than one budget in `attacks` (their labels name the budget, budgetSuffix). */
export function attacksAtSeveralBudgets(attacks: readonly { readonly attack: string; readonly budget?: number | null }[]): Set<string> {
  const budgets = new Map<string, Set<number | null>>();
  for (const a of attacks) budgets.set(a.attack, (budgets.get(a.attack) ?? new Set()).add(a.budget ?? null));
  return new Set([...budgets].filter(([, b]) => b.size > 1).map(([attack]) => attack));
}

/** The paper's order of the attacks (HSJA, SurFree, RayS), then PSJ: their rank, or the number of known attacks for any other. */
export function attackRank(name: string): number {
  const rank = Object.keys(ATTACK_DISPLAY_NAMES).indexOf(name);
  return rank === -1 ? Object.keys(ATTACK_DISPLAY_NAMES).length : rank;
}

const KIND_ORDER: readonly DefenseKindInput[] = ["none", "rs", "randtrain", "advtrain"];

/**
 * Rows in reading order, the same whatever order their records were stored in (items finish in
 * any order): no defense, RS by sigma, RandTrain, AdvTrain; then the defense's name, n, Pa and
 * oracle rule (shortcut, label, repeat:K by K) ascending; then the attacks in the paper's order
 * (HSJA, SurFree, RayS), then budgets ascending.
 */
export function inReadingOrder<T extends { readonly defense: DefenseInput; readonly attack: string; readonly budget?: number | null }>(rows: readonly T[]): T[] {
  const numbers = (r: T) => [KIND_ORDER.indexOf(r.defense.kind), r.defense.sigma ?? -1];
  const rest = (r: T) => [r.defense.n ?? -1, r.defense.pa ?? -1, labelCallsOf(r.defense.oracle), attackRank(r.attack)];
  const compare = (a: number[], b: number[]) => a.reduce((c, x, i) => c || x - b[i], 0);
  return [...rows].sort((a, b) =>
    compare(numbers(a), numbers(b)) || a.defense.name.localeCompare(b.defense.name) || compare(rest(a), rest(b)) || a.attack.localeCompare(b.attack) ||
    (a.budget ?? 0) - (b.budget ?? 0));
}

/** Rank of an oracle rule in reading order: the paper's shortcut first, then label (K = 1) and repeat:K by K. */
function labelCallsOf(rule: string | undefined): number {
  const parsed = oracleRuleOf(rule ?? "shortcut");
  return parsed === undefined ? 0 : labelCalls(parsed) ?? 0;
}
