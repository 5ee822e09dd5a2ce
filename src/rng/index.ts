export type { Random } from "./random.js";
export { Xoshiro128, createRandom, fillNormalFromState } from "./xoshiro.js";
export { deriveState, fmix32 } from "./hash.js";
