/*
 * The result records the figures and tables read, reduced to the fields they use. The experiment
 * runner's records (src/experiments/store/records.ts: AttackRecord, AccuracyRecord, CertificationRecord)
 * are assignable to these, so figures depend on what they read and nothing more.
 * Distortions that were never reached are null (JSON has no Infinity).
 */

/** What a defense is, as the paper names them (Sect. 4). */
export type DefenseKindInput = "none" | "rs" | "randtrain" | "advtrain";

/** One point of the defense grid: `id` unique (e.g. "rs-3%/n=10/pa=0.5"), `name` its config entry (e.g. "rs-3%"). */
export interface DefenseInput {
  readonly id: string;
  readonly name: string;
  readonly kind: DefenseKindInput;
  readonly model: string;
  readonly sigma: number | null;
  readonly n: number | null;
  readonly pa: number | null;
  /** The oracle's rule (src/oracle/rule.ts) when not the paper's shortcut: "label" or "repeat:K". */
  readonly oracle?: string;
}

/** One attack on one image against one defense point. */
export interface AttackInput {
  readonly image: number;
  readonly defense: DefenseInput;
  readonly attack: string;
  /** "misclassified": the defense got the original image wrong, so it was not attacked. */
  readonly status: "attacked" | "misclassified";
  readonly success: boolean;
  /** Final L2 distortion in pixel space, null when unsuccessful. */
  readonly l2: number | null;
  /**
   * The check of the final adversarial point against docs/paper.md eq. (4) (src/attacks/record.ts
   * AttackVerification: the point estimate's `verified`, or the sequential test's `status`), or
   * null/absent when it was not checked.
   */
  readonly verification?: { readonly verified?: boolean; readonly status?: string } | null;
  /** The norm the attack minimised; absent reads "l2" where it matters (Fig. 6). */
  readonly norm?: "l2" | "linf";
  /** Final Linf distortion, null when unsuccessful. */
  readonly linf?: number | null;
  /** The attack's query budget: cells of one attack at several budgets stay apart. */
  readonly budget?: number;
  /** Calls of g the attack spent (its budget counts them). */
  readonly queries?: number;
  /**
   * Hardening of the final point (src/attacks/record.ts HardenedPoint): absent when the run did
   * not ask for it, null when it did not apply (no RS, no adversarial point).
   */
  readonly hardened?: { readonly status: "hardened" | "failed"; readonly l2: number | null; readonly linf: number | null; readonly calls: number } | null;
  /**
   * The points held at earlier budgets, each hardened (src/attacks/record.ts HeldPointCheck,
   * attacks[].hardenAt): Fig. 6 reads them as the same attack at those budgets. Absent without hardenAt.
   */
  /**
   * The sequential test of the original at level Pa, present only when it verified the original
   * adversarial at level Pa (status "misclassified", not attacked; src/attacks/record.ts).
   */
  readonly originalCheck?: { readonly status: string };
  readonly hardenedAt?: readonly { readonly queries: number; readonly hardened: AttackInput["hardened"] }[];
}

/** Accuracy of one defense entry (by config name) at one n (null without RS). */
export interface AccuracyInput {
  readonly defense: string;
  readonly n: number | null;
  readonly accuracy: number;
  readonly images: number;
}

/** Cohen et al.'s CERTIFY on one image for one smoothed model (by config defense name). */
export interface CertificationInput {
  readonly image: number;
  readonly defense: string;
  readonly model: string;
  readonly sigma: number;
  readonly outcome: { readonly status: "certified"; readonly radius: number } | { readonly status: "abstain" };
  /** Certified and the prediction is the true label. */
  readonly correct: boolean;
}
