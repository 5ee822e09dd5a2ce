/**
 * rsbench: randomized smoothing under decision-based black-box attack.
 * The library API; the `rsbench` CLI is a thin layer over it.
 */
export * from "./io/index.js";
export * from "./rng/index.js";
export * from "./model/index.js";
export * from "./oracle/index.js";
export * from "./smoothing/index.js";
export * from "./attacks/index.js";
export * from "./stats/index.js";
export * from "./theory/index.js";
export * from "./data/index.js";
export * from "./zoo/index.js";
export * from "./figures/index.js";
export * from "./report/index.js";
export * from "./experiments/index.js";
export * from "./serve/index.js";
