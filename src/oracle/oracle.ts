import type { Bounds, ImageShape } from "../model/classifier.js";

/**
 * What a decision-based attack sees, and all it sees: the image domain and a yes/no question
 * per point (foolbox's `is_adversarial` closure). One point asked = one query.
 */
export interface DecisionOracle {
  readonly shape: ImageShape;
  readonly bounds: Bounds;
  /**
   * For each of the `count` points packed in `batch`, 1 when it is adversarial, 0 otherwise.
   * Throws BudgetExhaustedError, without answering any of them, when `count` > `remaining`.
   */
  isAdversarial(batch: Float32Array, count: number): Promise<Uint8Array>;
  /** Queries still allowed (Infinity without a budget). An attacker knows its own budget. */
  readonly remaining: number;
}

/** Thrown by an oracle asked more points than its budget has left. Attacks let it propagate. */
export class BudgetExhaustedError extends Error {
  override readonly name = "BudgetExhaustedError";
  constructor(
    readonly budget: number,
    readonly used: number,
    readonly requested: number,
    /** Most queries (calls) one requested point can cost: K under the repeat:K rule, else 1. */
    readonly perPoint = 1,
  ) {
    super(`query budget exhausted: ${used} of ${budget} queries used, ${requested} more requested${perPoint > 1 ? ` (up to ${perPoint} calls each)` : ""}`);
  }
}
