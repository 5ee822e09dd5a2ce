import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { headline, headlineText } from "../../src/report/headline.js";
import type { AttackRecord } from "../../src/experiments/store/records.js";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import { attack, defense } from "../figures/records.js";
import { comparableRecords } from "./compare.js";
import { FIXTURE_ENVIRONMENT, tinyConfig } from "./tinyConfig.js";

const attacksOnly = (verify?: number, check: Record<string, unknown> = {}) => tinyConfig({
  certification: null,
  figures: { include: [] },
  attacks: [{ name: "probe", budget: 40, ...(verify === undefined ? {} : { verify }), ...check }],
});

test("attack config verify: the final points of smoothed defenses are checked against eq. (4); nothing else changes", async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-verify-"));
  try {
    await runExperiment(attacksOnly() as never, { out: join(root, "plain"), workers: 1, environment: FIXTURE_ENVIRONMENT });
    await runExperiment(attacksOnly(60) as never, { out: join(root, "verified"), workers: 1, environment: FIXTURE_ENVIRONMENT });
    const plain = comparableRecords(join(root, "plain")) as AttackRecord[];
    const verified = comparableRecords(join(root, "verified")) as AttackRecord[];
    assert.equal(plain.length, verified.length);
    const attacks = verified.filter((r) => r.kind === "attack");
    assert.ok(attacks.some((r) => r.success && r.defense.sigma !== null), "some smoothed attacks succeed");
    for (const [i, r] of verified.entries()) {
      const p = plain[i];
      if (p.kind !== "attack") { assert.deepEqual(r, p); continue; }
      // Without verify the record says so; with it, the attack itself is the same (own noise stream).
      assert.equal(p.verification, null);
      const { verification, ...rest } = r;
      const { verification: _none, ...plainRest } = p;
      assert.deepEqual(rest, plainRest, r.key);
      if (r.status === "attacked" && r.success && r.defense.sigma !== null) {
        assert.ok(verification !== null, `${r.key}: verified`);
        assert.ok("repeats" in verification, "a config without attacks[].verification keeps the point estimate");
        assert.equal(verification.repeats, 60);
        assert.ok(Math.abs(verification.rate * 60 - Math.round(verification.rate * 60)) < 1e-9 && verification.rate >= 0 && verification.rate <= 1);
        assert.equal(verification.verified, verification.rate >= r.defense.pa!);
      } else {
        assert.equal(verification, null, `${r.key}: no RS or no adversarial point, no check`);
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("attacks[].verification \"sequential\": records get {status, rate, lower, upper, calls}; the attack is the same, and the verdict reads like the estimate's", async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-sequential-"));
  try {
    await runExperiment(attacksOnly(60) as never, { out: join(root, "estimate"), workers: 1, environment: FIXTURE_ENVIRONMENT });
    await runExperiment(attacksOnly(60, { verification: "sequential", verifyAlpha: 0.1 }) as never, { out: join(root, "sequential"), workers: 1, environment: FIXTURE_ENVIRONMENT });
    const estimate = comparableRecords(join(root, "estimate")) as AttackRecord[];
    const sequential = comparableRecords(join(root, "sequential")) as AttackRecord[];
    let checked = 0;
    for (const [i, r] of sequential.entries()) {
      const e = estimate[i];
      if (r.kind !== "attack") continue;
      const { verification, ...rest } = r;
      const { verification: estimated, ...estimateRest } = e;
      assert.deepEqual(rest, estimateRest, `${r.key}: the attack does not depend on how its point is checked`);
      assert.equal(verification === null, estimated === null);
      if (verification === null) continue;
      checked++;
      assert.ok("status" in verification);
      assert.deepEqual(Object.keys(verification), ["status", "rate", "lower", "upper", "calls"]);
      // R = 60 with the first look at 10: looks at 15, 30 and 60, bounds at level 0.1 / 3 each side.
      assert.ok([15, 30, 60].includes(verification.calls), `${verification.calls} calls`);
      assert.equal(verification.status, verification.lower >= r.defense.pa! ? "verified" : verification.upper < r.defense.pa! ? "refuted" : "undecided");
    }
    assert.ok(checked > 0, "some final points were checked");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("headlineText has a verified column: k/attacked where the final points were checked, - elsewhere", () => {
  const none = defense("none", "none", null, null, null);
  const rs = defense("rs", "rs", 0.25, 10, 0.5);
  const yes = { repeats: 100, rate: 0.7, verified: true }, no = { repeats: 100, rate: 0.2, verified: false };
  const text = headlineText(headline([
    attack(none, "hsja", 0, 1), attack(none, "hsja", 1, 2),
    attack(rs, "hsja", 0, 1, "attacked", yes), attack(rs, "hsja", 1, 0.01, "attacked", no), attack(rs, "hsja", 2, 2, "attacked", yes),
  ]));
  const lines = text.split("\n");
  assert.match(lines[0], /^defense +attack +accuracy +accuracy at Pa +attacked +success +shortcut mean L2 +shortcut median L2 +verified +verified mean L2 +hardened +hardened mean L2$/);
  assert.match(lines[1], /^none +hsja +1 +1 +2 +2\/2 +1\.5 +1\.5 +- +- +- +-$/);
  // shortcut over the 3 successes (1, 0.01, 2); verified over the 2 verified points (1 and 2); no hardening asked.
  assert.match(lines[2], /^rs\/n=10\/pa=0\.5 +hsja +1 +1 +3 +3\/3 +1 +1 +2\/3 +1\.5 +- +-$/);
  assert.match(text, /verified: attacked images whose final point is adversarial at level Pa by eq\. \(4\)/);
});
