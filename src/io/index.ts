/** Bottom-layer I/O helpers shared by every layer: the JSON replacer and atomic writes. */
export { finiteJson, stringifyFinite } from "./json.js";
export { writeFileAtomic, writeFileAtomicAsync } from "./atomic.js";
