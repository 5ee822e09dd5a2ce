/** Bottom-layer I/O helpers shared by every layer: the JSON replacer, atomic writes and module workers. */
export { finiteJson, stringifyFinite } from "./json.js";
export { writeFileAtomic, writeFileAtomicAsync } from "./atomic.js";
export { moduleWorker, siblingModule } from "./worker.js";
