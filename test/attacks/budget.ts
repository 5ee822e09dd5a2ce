import assert from "node:assert/strict";
import type { AttackResult } from "../../src/attacks/types.js";
import type { Votes } from "../../src/model/classifier.js";
import { ForwardingClassifier } from "../../src/model/wrapper.js";
import { LabelOnlyOracle } from "../../src/oracle/labelOnly.js";

/**
 * A classifier wrapper that counts the images it is asked about, independently of the oracle's
 * and the model's own counters: with a deterministic base, one image per answered query; under
 * g(sigma, n), one image per base forward pass.
 */
export class CountingClassifier extends ForwardingClassifier {
  images = 0;
  override async predict(batch: Float32Array, count: number): Promise<Int32Array> {
    this.images += count;
    return this.inner.predict(batch, count);
  }
  override async votes(batch: Float32Array, count: number): Promise<Votes> {
    this.images += count;
    return this.inner.votes(batch, count);
  }
}

/** The real oracle, with a log of every call an attack made (refused ones included) and what was left then. */
export class LoggingOracle extends LabelOnlyOracle {
  readonly calls: Array<{ count: number; remaining: number }> = [];
  override async isAdversarial(batch: Float32Array, count: number): Promise<Uint8Array> {
    this.calls.push({ count, remaining: this.remaining });
    return super.isAdversarial(batch, count);
  }
}

/** Points of the calls the oracle answered, counted from the log (a refused call asked more than was left). */
export function answeredPoints(oracle: LoggingOracle): number {
  return oracle.calls.reduce((sum, c) => sum + (c.count <= c.remaining ? c.count : 0), 0);
}

/**
 * Asserts that a budget-ended run over a deterministic base answered exactly `budget` queries,
 * counted through the base classifier, or exactly `budget - unspent.queries` with `unspent`
 * naming a call of more points than were left. Returns the unspent count (0 when none).
 */
export function assertBudgetSpent(what: string, result: AttackResult, base: CountingClassifier, budget: number): number {
  assert.equal(result.stopReason, "budget", what);
  assert.equal(result.queries, base.images, `${what}: the oracle counted ${result.queries} queries, the base classifier saw ${base.images} images`);
  const left = result.unspent?.queries ?? 0;
  assert.equal(base.images + left, budget, `${what}: ${base.images} images + ${left} unspent (${JSON.stringify(result.unspent)}) != budget ${budget}`);
  if (result.unspent !== null) {
    assert.ok(result.unspent.queries >= 1 && result.unspent.queries < result.unspent.requested, `${what}: ${JSON.stringify(result.unspent)}`);
  }
  return left;
}
