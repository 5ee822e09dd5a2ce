/**
 * Which attack is the per-image strongest (AutoAttack's per-attack breakdown of its worst case):
 * for each defense point and budget, how often each attack reached the smallest distortion of the
 * image (strongest.ts), and how far above it the attack ends, median over images of its distortion
 * / the strongest one. Against RS the distortions are the hardened ones (points that pass eq. (4));
 * without RS the final ones, as in strongest.ts. An attack that runs under several oracle rules
 * in one defense point ("label", "repeat:3", ...) counts once per rule.
 */
import { mayBeRandom } from "../attacks/record.js";
import type { AttackInput, DefenseInput } from "./inputs.js";
import { distortionOf } from "./measure.js";
import { STRONGEST, withoutRule } from "./strongest.js";
import { median } from "./summary.js";

/** One attack (under one oracle rule) in one defense point and budget, against the per-image strongest. */
export interface StrongestShareRow {
  /** The defense point without its oracle rule (the strongest entry pools the rules). */
  readonly defense: DefenseInput;
  readonly budget: number | null;
  readonly attack: string;
  /** The attack's oracle rule ("label", "repeat:K"), absent for the paper's shortcut. */
  readonly oracle?: string;
  /**
   * Images of the defense point and budget that have a strongest distortion (some attack hardened
   * them) and that this attack attacked (a run in progress may not have reached them yet).
   */
  readonly images: number;
  /** Of those, the images this attack has a distortion for. */
  readonly reached: number;
  /** Of those, the images where its distortion is the smallest (ties count for every attack that reaches it). */
  readonly strongest: number;
  /** Median over the `reached` images of its distortion / the strongest distortion (>= 1), null when none. */
  readonly medianRatio: number | null;
}

/** The same pooled over every defense point with noise (RS, RandTrain, remote endpoints): one row per attack and rule. */
export interface StrongestShareTotal {
  readonly attack: string;
  readonly oracle?: string;
  /** (image, defense point) pairs with a strongest distortion that the attack attacked. */
  readonly images: number;
  readonly reached: number;
  readonly strongest: number;
  readonly medianRatio: number | null;
}

/** The per-defense-point rows and, over the defense points with noise, the pooled totals. */
export interface StrongestShares {
  readonly rows: readonly StrongestShareRow[];
  readonly totals: readonly StrongestShareTotal[];
}

interface Tally { images: number; reached: number; strongest: number; ratios: number[] }

/** Counts, per defense point and budget, how often each attack is the per-image strongest (records named STRONGEST are ignored). */
export function strongestShares(attacks: readonly AttackInput[]): StrongestShares {
  // (defense point without rule, budget) -> image -> the attacks' records there
  const cells = new Map<string, { defense: DefenseInput; budget: number | null; images: Map<number, AttackInput[]> }>();
  for (const a of attacks) {
    if (a.attack === STRONGEST) continue;
    const defense = withoutRule(a.defense);
    const key = JSON.stringify([defense.id, defense.sigma, defense.n, defense.pa, a.budget ?? null]);
    const cell = cells.get(key) ?? { defense, budget: a.budget ?? null, images: new Map() };
    cells.set(key, cell);
    const group = cell.images.get(a.image) ?? [];
    group.push(a);
    cell.images.set(a.image, group);
  }
  const rows: StrongestShareRow[] = [];
  const totals = new Map<string, Tally & { attack: string; oracle?: string }>();
  for (const { defense, budget, images } of cells.values()) {
    const tallies = new Map<string, Tally & { attack: string; oracle?: string }>();
    const labelOf = (a: AttackInput) => JSON.stringify([a.attack, a.defense.oracle ?? null]);
    // Every attack (and rule) of the cell gets a row, even one that never reached an image.
    for (const group of images.values()) {
      for (const a of group) {
        if (!tallies.has(labelOf(a))) tallies.set(labelOf(a), { attack: a.attack, ...(a.defense.oracle === undefined ? {} : { oracle: a.defense.oracle }), images: 0, reached: 0, strongest: 0, ratios: [] });
      }
    }
    for (const group of images.values()) {
      const reached = group.map((a) => ({ a, x: distortionOf(a, "hardened") })).filter((r): r is { a: AttackInput; x: number } => r.x !== null);
      if (reached.length === 0) continue;
      const best = Math.min(...reached.map((r) => r.x));
      // Each attack (and rule) of the cell: the image counts towards it once, with its best record there.
      const bestOf = new Map<string, number>();
      for (const { a, x } of reached) bestOf.set(labelOf(a), Math.min(x, bestOf.get(labelOf(a)) ?? Infinity));
      // An attack counts on the images it attacked (a run in progress has not reached every image with every attack).
      const attacked = new Set(group.filter((a) => a.status === "attacked").map(labelOf));
      for (const [label, tally] of tallies) {
        if (!attacked.has(label)) continue;
        tally.images += 1;
        const x = bestOf.get(label);
        if (x === undefined) continue;
        tally.reached += 1;
        if (x === best) tally.strongest += 1;
        tally.ratios.push(best > 0 ? x / best : x === 0 ? 1 : Infinity);
      }
    }
    for (const [label, t] of tallies) {
      rows.push({ defense, budget, attack: t.attack, ...(t.oracle === undefined ? {} : { oracle: t.oracle }), images: t.images, reached: t.reached, strongest: t.strongest, medianRatio: t.ratios.length ? median(t.ratios) : null });
      if (!mayBeRandom(defense)) continue;
      const total = totals.get(label) ?? { attack: t.attack, ...(t.oracle === undefined ? {} : { oracle: t.oracle }), images: 0, reached: 0, strongest: 0, ratios: [] };
      totals.set(label, total);
      total.images += t.images;
      total.reached += t.reached;
      total.strongest += t.strongest;
      for (const r of t.ratios) total.ratios.push(r);
    }
  }
  return {
    rows,
    totals: [...totals.values()].map((t) => ({ attack: t.attack, ...(t.oracle === undefined ? {} : { oracle: t.oracle }), images: t.images, reached: t.reached, strongest: t.strongest, medianRatio: t.ratios.length ? median(t.ratios) : null })),
  };
}
