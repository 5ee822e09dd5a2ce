import type { AccuracyRecord, AttackRecord, CertificationRecord, DefenseRef } from "../../src/experiments/store/records.js";

/*
 * Small hand-made result records, typed with the runner's own record types (so the type-check
 * proves they fit the figures' inputs), for the tests of Fig. 4, Fig. 5, the ratio table,
 * the conclusions and the report.
 */

export function defense(name: string, kind: DefenseRef["kind"], sigma: number | null, n: number | null, pa: number | null, model = "fashion-mnist/standard"): DefenseRef {
  const id = n === null ? name : `${name}/n=${n}/pa=${pa}`;
  return { id, name, kind, model, sigma, drop: null, n, pa };
}

export function attack(
  d: DefenseRef, name: string, image: number, l2: number | null, status: AttackRecord["status"] = "attacked",
  verification: AttackRecord["verification"] = null,
): AttackRecord {
  return {
    kind: "attack",
    key: `attack/${d.id}/${name}/${image}`,
    seed: 1,
    seconds: 0.1,
    image,
    label: 0,
    prediction: status === "attacked" ? 0 : 1,
    status,
    defense: d,
    attack: name,
    norm: "l2",
    budget: 1000,
    success: l2 !== null,
    l2,
    linf: l2 === null ? null : l2 / 4,
    queries: 1000,
    forwardPasses: 1000 * (d.n ?? 1),
    checkpoints: [],
    trace: [],
    iterations: 10,
    stopReason: "budget",
    anomalies: {},
    start: null,
    verification,
  };
}

export function accuracy(name: string, n: number | null, value: number, images = 100): AccuracyRecord {
  return { kind: "accuracy", key: `accuracy/${name}/${n}`, seed: 1, seconds: 1, defense: name, model: "fashion-mnist/standard", sigma: null, n, images, correct: Math.round(value * images), accuracy: value };
}

export function certification(name: string, sigma: number, image: number, radius: number | null, correct = radius !== null): CertificationRecord {
  return {
    kind: "certification",
    key: `certify/${name}/${image}`,
    seed: 1,
    seconds: 1,
    image,
    label: 0,
    defense: name,
    model: "fashion-mnist/standard",
    sigma,
    n0: 100,
    n: 1000,
    alpha: 0.001,
    outcome: radius === null ? { status: "abstain", pABar: 0.4 } : { status: "certified", prediction: correct ? 0 : 1, radius, pABar: 0.9 },
    correct,
    forwardPasses: 1100,
  };
}

/** `record` with a hardened point (the shape of src/attacks/record.ts HardenedPoint) and, optionally, another budget. */
export function hardenedAt(record: AttackRecord, hardened: AttackRecord["hardened"], budget = record.budget): AttackRecord {
  return { ...record, budget, queries: budget, hardened };
}

/** A hardened point found at L2 `l2` (Linf l2 / 4) after `calls` calls; a failed one when l2 is null. */
export function hardening(l2: number | null, calls = 50): NonNullable<AttackRecord["hardened"]> {
  return l2 === null
    ? { status: "failed", l2: null, linf: null, calls, reason: "no verified point on the segment" }
    : { status: "hardened", l2, linf: l2 / 4, calls };
}

/** The RS point of Fig. 6 at n with oracle rule `oracle`. */
export function adaptive(n: number, oracle: "label" | `repeat:${number}` | "shortcut"): DefenseRef {
  const d = defense("rs-3%", "rs", 0.04, n, 0.5);
  return oracle === "shortcut" ? d : { ...d, id: `${d.id}/oracle=${oracle}`, oracle };
}

/** Three attacked images of one Fig. 6 cell, each hardened at `l2` after `calls` calls, the attack spending `budget`. */
export function tradeoffCell(d: DefenseRef, name: string, budget: number, l2: readonly (number | null)[], calls = 50, norm: "l2" | "linf" = "l2"): AttackRecord[] {
  return l2.map((x, i) => ({ ...hardenedAt(attack(d, name, i, 1), hardening(x, calls), budget), norm }));
}
