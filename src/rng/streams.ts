/**
 * Every named sub-stream of rsbench, in one table: a result is a pure function of its seed and
 * of these ids, so changing one changes stored results (the results.jsonl of every report). Add, never
 * renumber.
 */

/**
 * Sub-streams of a work item's stream `keyedRandom(seed, key)` (and of `rsbench attack`, which
 * keys its images like the runner's attack items): `.fork(ITEM_STREAMS.noise)` etc.
 */
export const ITEM_STREAMS = Object.freeze({
  /** Noise of the defended classifier answering the attack's queries (and of an accuracy item). */
  noise: 1,
  /** The attack's own randomness. */
  attack: 2,
  /** A figure computation's stream (see FIGURE_STREAMS). */
  figure: 3,
  /** CERTIFY's stream (see CERTIFY_STREAMS). */
  certify: 4,
  /** The calibration of sigma. */
  calibrate: 5,
  /** Uniform-noise probes of the "auto" start policy. */
  start: 6,
  /** Noise of the check of the final adversarial point against eq. (4). */
  verify: 7,
  /** Noise of the hardening search and its confirmations (src/oracle/harden.ts), issue 12. */
  harden: 8,
  /**
   * Noise of the sequential test of the original image at level Pa before an attack (issue 25),
   * forked from the stream of the defense's answer on the image (keyed by defense point and
   * image, not attack): every attack on a defense point agrees on which originals are adversarial.
   */
  original: 9,
});

/** Cohen et al.'s CERTIFY draws selection and estimation noise separately (src/smoothing/certify.ts). */
export const CERTIFY_STREAMS = Object.freeze({ selection: 0, estimation: 1 });

/** Sub-streams of a figure computation (src/figures/compute.ts). */
export const FIGURE_STREAMS = Object.freeze({
  /** The directions of the line or plane the figure looks along. */
  directions: 0,
  /** Noise of the k-th smoothed classifier: `smoothed + k` (k >= 0, k < 99). */
  smoothed: 1,
  /** The k-th attack tried to find the figure's adversarial direction: `attacks + k`. */
  attacks: 100,
});
