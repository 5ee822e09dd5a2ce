import { fmix32 } from "./hash.js";
import type { Random } from "./random.js";
import { createRandom } from "./xoshiro.js";

/** Two independent 32-bit hashes of a string key (64 bits: no collision among a run's items in practice). */
export function keyWords(key: string): [number, number] {
  let a = 0x811c9dc5, b = 0x01000193 ^ key.length;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = fmix32((b ^ c) + 0x9e3779b9);
  }
  return [fmix32(a), fmix32(b ^ a)];
}

/**
 * The random stream named by (seed, key): a work item's stream, whatever the order, the worker
 * or the process that runs it.
 */
export function keyedRandom(seed: number, key: string): Random {
  return createRandom(seed, ...keyWords(key));
}
