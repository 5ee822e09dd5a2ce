/**
 * The per-image worst case over attacks (issue 24 item 5, AutoAttack's principle: Croce & Hein,
 * ICML 2020, report per image the strongest of several attacks). For each defense point and
 * budget, the "strongest" entry takes, image by image, the smallest hardened L2 distortion that
 * any attack of the cell reached, whatever its oracle rule (hardened distortions mean the same
 * thing under every rule: a point the sequential test verifies adversarial at level Pa). An image
 * that no attack hardened has no strongest distortion (a failure, as for one attack). Whatever
 * attacks a cell has take part, so a newly registered attack joins without a change here.
 *
 * The entries are attack records with the attack name `STRONGEST`, so the tables, Fig. 5 and the
 * conclusions read them like any attack: against a random defense they carry only a hardened
 * distortion (no shortcut or verified one); without RS (deterministic, where the three measures
 * agree) the smallest final distortion.
 */
import { mayBeRandom } from "../attacks/record.js";
import type { AttackInput, DefenseInput } from "./inputs.js";
import { distortionOf, measured } from "./measure.js";

/** The attack name of the per-image worst case. */
export const STRONGEST = "strongest";

/** The defense point without its oracle rule: the strongest entry pools the rules. */
function withoutRule(d: DefenseInput): DefenseInput {
  if (d.oracle === undefined || d.n === null) return d;
  const { oracle: _oracle, ...rest } = d;
  return { ...rest, id: d.id.replace(/\/oracle=[^/]*$/, "") };
}

/**
 * The cell whose attacks the worst case is taken over: the defense point without its oracle rule,
 * and the budget (`key` names the pair).
 */
export function strongestCell(a: AttackInput): { readonly defense: DefenseInput; readonly budget: number | null; readonly key: string } {
  const defense = withoutRule(a.defense);
  const budget = a.budget ?? null;
  return { defense, budget, key: JSON.stringify([defense.id, defense.sigma, defense.n, defense.pa, budget]) };
}

/**
 * One STRONGEST record per (defense point, budget, image), from the attacks of `attacks` (records
 * already named STRONGEST are ignored). A cell whose records lack hardened points (a run without
 * attacks[].harden against a random defense) gets no entry: its worst case is not measured.
 * Entries keep the order in which their (defense point, budget, image) first appears.
 */
export function strongestAttacks(attacks: readonly AttackInput[]): AttackInput[] {
  const groups = new Map<string, AttackInput[]>();
  for (const a of attacks) {
    if (a.attack === STRONGEST) continue;
    const key = JSON.stringify([strongestCell(a).key, a.image]);
    const group = groups.get(key) ?? [];
    group.push(a);
    groups.set(key, group);
  }
  if (attacks.some((a) => a.attack !== STRONGEST && !measured(a, "hardened"))) return [];
  const out: AttackInput[] = [];
  for (const group of groups.values()) {
    const first = group[0];
    const defense = withoutRule(first.defense);
    const attacked = group.some((a) => a.status === "attacked");
    let best: number | null = null;
    for (const a of group) {
      const x = distortionOf(a, "hardened");
      if (x !== null && (best === null || x < best)) best = x;
    }
    const random = mayBeRandom(defense);
    out.push({
      image: first.image,
      defense,
      attack: STRONGEST,
      status: attacked ? "attacked" : "misclassified",
      success: attacked && best !== null,
      // Against a random defense only the hardened distortion is the worst case's; without RS the final one is.
      l2: random ? null : best,
      linf: null,
      norm: "l2",
      ...(first.budget === undefined ? {} : { budget: first.budget }),
      verification: null,
      hardened: !random || !attacked ? null : best === null ? { status: "failed", l2: null, linf: null, calls: 0 } : { status: "hardened", l2: best, linf: null, calls: 0 },
    });
  }
  return out;
}

/** `attacks` followed by their strongest entries (what the tables and Fig. 5 show). */
export function withStrongest(attacks: readonly AttackInput[]): AttackInput[] {
  return [...attacks.filter((a) => a.attack !== STRONGEST), ...strongestAttacks(attacks)];
}
