/**
 * The L2 and Linf distortion of a point from the original image, in one pass: what the oracle
 * records for each adversarial answer and what hardening reports for its point.
 */

/** L2 and Linf distance of `points[offset .. offset + original.length)` from `original`. */
export function distortions(original: Float32Array, points: Float32Array, offset = 0): { l2: number; linf: number } {
  let s = 0, m = 0;
  for (let j = 0; j < original.length; j++) {
    const diff = Math.abs(points[offset + j] - original[j]);
    s += diff * diff;
    if (diff > m) m = diff;
  }
  return { l2: Math.sqrt(s), linf: m };
}
