export type { Random } from "./random.js";
export { Xoshiro128, createRandom, fillNormalFromState } from "./xoshiro.js";
export { deriveState, fmix32 } from "./hash.js";
export { keyedRandom, keyWords } from "./keyed.js";
export { CERTIFY_STREAMS, FIGURE_STREAMS, ITEM_STREAMS } from "./streams.js";
