import { labelCalls, oracleRuleOf } from "../oracle/rule.js";
import type { AttackInput } from "./inputs.js";
import { distortionOf } from "./measure.js";
import { mean, median } from "./summary.js";

/**
 * One point of Fig. 6 (issue 12, the adaptive attacker's trade-off): one attack at one budget
 * against one smoothed defense point whose oracle repeats each step's call K times (`label` is
 * K = 1), read from its records with hardening.
 */
export interface TradeoffPoint {
  /** Config name of the defense entry, its sigma, n and level Pa. */
  readonly defense: string;
  readonly sigma: number;
  readonly n: number;
  readonly pa: number;
  /** The oracle's rule ("label", "repeat:K") and K, the calls of g per attack step. */
  readonly rule: string;
  readonly k: number;
  readonly attack: string;
  /** The norm the attack minimised: the hardened distortion is read in it. */
  readonly norm: "l2" | "linf";
  /**
   * The attack's query budget (its calls of g), without the hardening's: the entry's budget, or a
   * budget of its attacks[].hardenAt (the point the same run held then).
   */
  readonly budget: number;
  /** Images attacked (the defense classified them correctly). */
  readonly attacked: number;
  /** Attacked images with a hardened point. */
  readonly hardened: number;
  /** Mean over the attacked images of the total calls of g: the attack's queries plus the hardening's calls. */
  readonly meanCalls: number | null;
  /** Mean and median hardened distortion (in `norm`) over the hardened images. */
  readonly meanDistortion: number | null;
  readonly medianDistortion: number | null;
  /** Each hardened image's distortion (in `norm`), images ascending: paired comparisons read it. */
  readonly byImage: readonly { readonly image: number; readonly distortion: number }[];
}

/**
 * Fig. 6: hardened distortion against the total calls of g_{sigma,n} an attacker paid (the
 * attack's queries plus the hardening's calls), one point per (smoothed defense point with a
 * `label` or `repeat:K` oracle, attack, budget), from the records that carry hardened points.
 * A record with `hardenedAt` also gives a point at each of those budgets: its point held then,
 * hardened, with the attack's calls up to then (at most the budget). Records under the paper's
 * shortcut rule, without RS or without hardening are not points. Points keep the order in which
 * their cells first appear in the records, a record's budgets ascending.
 */
export function adaptiveTradeoff(attacks: readonly AttackInput[]): TradeoffPoint[] {
  const cells = new Map<string, AttackInput[]>();
  const add = (a: AttackInput) => {
    const key = JSON.stringify([a.defense.id, a.attack, a.norm ?? "l2", a.budget]);
    cells.set(key, [...(cells.get(key) ?? []), a]);
  };
  for (const a of attacks) {
    const rule = oracleRuleOf(a.defense.oracle ?? "shortcut");
    if (a.defense.sigma === null || a.defense.n === null || rule === undefined || labelCalls(rule) === null || a.hardened === undefined || a.budget === undefined) continue;
    // The same run read at an earlier budget q: its calls by then, the point it held, hardened.
    for (const h of a.hardenedAt ?? []) add({ ...a, budget: h.queries, queries: Math.min(a.queries ?? 0, h.queries), hardened: h.hardened, hardenedAt: undefined });
    add(a);
  }
  return [...cells.values()].map((cell) => {
    const first = cell[0];
    const norm = first.norm ?? "l2";
    const attacked = cell.filter((a) => a.status === "attacked");
    const byImage = attacked
      .map((a) => ({ image: a.image, distortion: distortionOf(a, "hardened", norm) }))
      .filter((x): x is { image: number; distortion: number } => x.distortion !== null)
      .sort((a, b) => a.image - b.image);
    const distortions = byImage.map((x) => x.distortion);
    return {
      defense: first.defense.name,
      sigma: first.defense.sigma as number,
      n: first.defense.n as number,
      pa: first.defense.pa ?? 0.5,
      rule: first.defense.oracle as string,
      k: labelCalls(oracleRuleOf(first.defense.oracle)!) as number,
      attack: first.attack,
      norm,
      budget: first.budget as number,
      attacked: attacked.length,
      hardened: distortions.length,
      meanCalls: mean(attacked.map((a) => (a.queries ?? 0) + (a.hardened?.calls ?? 0))),
      meanDistortion: mean(distortions),
      medianDistortion: median(distortions),
      byImage,
    };
  });
}
