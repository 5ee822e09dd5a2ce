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
import { STRONGEST, strongestCell } from "./strongest.js";
import { median } from "./summary.js";

/** How one attack (under one oracle rule) fares against the per-image strongest, over a set of images. */
export interface StrongestShare {
  readonly attack: string;
  /** The attack's oracle rule ("label", "repeat:K"), absent for the paper's shortcut. */
  readonly oracle?: string;
  /**
   * Images with a strongest distortion (some attack hardened them) that this attack attacked (a
   * run in progress may not have reached them yet).
   */
  readonly images: number;
  /** Of those, the images this attack has a distortion for. */
  readonly reached: number;
  /** Of those, the images where its distortion is the smallest (ties count for every attack that reaches it). */
  readonly strongest: number;
  /** Median over the `reached` images of its distortion / the strongest distortion (>= 1), null when none. */
  readonly medianRatio: number | null;
  /**
   * Median over the `reached` images that another attack reached too of its distortion / the
   * smallest of the other attacks' (< 1: it usually beats them all), null when none.
   */
  readonly medianVsOthers: number | null;
}

/** One attack in one defense point and budget. */
export interface StrongestShareRow extends StrongestShare {
  /** The defense point without its oracle rule (the strongest entry pools the rules). */
  readonly defense: DefenseInput;
  readonly budget: number | null;
}

/** The per-defense-point rows and, pooled over every defense point with noise (RS, RandTrain, remote endpoints), one total per attack and rule. */
export interface StrongestShares {
  readonly rows: readonly StrongestShareRow[];
  readonly totals: readonly StrongestShare[];
}

interface Tally { attack: string; oracle?: string; images: number; reached: number; strongest: number; ratios: number[]; vsOthers: number[] }

const tally = (attack: string, oracle: string | undefined): Tally =>
  ({ attack, ...(oracle === undefined ? {} : { oracle }), images: 0, reached: 0, strongest: 0, ratios: [], vsOthers: [] });

function share(t: Tally): StrongestShare {
  return {
    attack: t.attack, ...(t.oracle === undefined ? {} : { oracle: t.oracle }), images: t.images, reached: t.reached, strongest: t.strongest,
    medianRatio: t.ratios.length ? median(t.ratios) : null, medianVsOthers: t.vsOthers.length ? median(t.vsOthers) : null,
  };
}

/** x / y for distortions (0 / 0 = 1). */
const ratio = (x: number, y: number) => (y > 0 ? x / y : x === 0 ? 1 : Infinity);

/** Counts, per defense point and budget, how often each attack is the per-image strongest (records named STRONGEST are ignored). */
export function strongestShares(attacks: readonly AttackInput[]): StrongestShares {
  // (defense point without rule, budget) -> image -> the attacks' records there
  const cells = new Map<string, { defense: DefenseInput; budget: number | null; images: Map<number, AttackInput[]> }>();
  for (const a of attacks) {
    if (a.attack === STRONGEST) continue;
    const { defense, budget, key } = strongestCell(a);
    const cell = cells.get(key) ?? { defense, budget, images: new Map() };
    cells.set(key, cell);
    const group = cell.images.get(a.image) ?? [];
    group.push(a);
    cell.images.set(a.image, group);
  }
  const labelOf = (a: AttackInput) => JSON.stringify([a.attack, a.defense.oracle ?? null]);
  const rows: StrongestShareRow[] = [];
  const totals = new Map<string, Tally>();
  for (const { defense, budget, images } of cells.values()) {
    // Every attack (and rule) of the cell gets a row, even one that never reached an image.
    const tallies = new Map<string, Tally>();
    for (const group of images.values()) {
      for (const a of group) if (!tallies.has(labelOf(a))) tallies.set(labelOf(a), tally(a.attack, a.defense.oracle));
    }
    for (const group of images.values()) {
      // Each attack (and rule) of the cell: the image counts towards it once, with its best record there.
      const bestOf = new Map<string, number>();
      for (const a of group) {
        const x = distortionOf(a, "hardened");
        if (x !== null) bestOf.set(labelOf(a), Math.min(x, bestOf.get(labelOf(a)) ?? Infinity));
      }
      if (bestOf.size === 0) continue;
      const best = Math.min(...bestOf.values());
      // An attack counts on the images it attacked (a run in progress has not reached every image with every attack).
      const attacked = new Set(group.filter((a) => a.status === "attacked").map(labelOf));
      for (const [label, t] of tallies) {
        if (!attacked.has(label)) continue;
        t.images += 1;
        const x = bestOf.get(label);
        if (x === undefined) continue;
        t.reached += 1;
        if (x === best) t.strongest += 1;
        t.ratios.push(ratio(x, best));
        const others = [...bestOf].filter(([l]) => l !== label).map(([, y]) => y);
        if (others.length) t.vsOthers.push(ratio(x, Math.min(...others)));
      }
    }
    for (const [label, t] of tallies) {
      rows.push({ defense, budget, ...share(t) });
      if (!mayBeRandom(defense)) continue;
      const total = totals.get(label) ?? tally(t.attack, t.oracle);
      totals.set(label, total);
      total.images += t.images;
      total.reached += t.reached;
      total.strongest += t.strongest;
      for (const r of t.ratios) total.ratios.push(r);
      for (const r of t.vsOthers) total.vsOthers.push(r);
    }
  }
  return { rows, totals: [...totals.values()].map(share) };
}
