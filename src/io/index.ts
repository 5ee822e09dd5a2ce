/** Bottom-layer I/O helpers shared by every layer: the JSON replacer, atomic writes, the output-path check and module workers. */
export { finiteJson, stringifyFinite } from "./json.js";
export { openFileAtomic, writeFileAtomic, writeFileAtomicAsync, type AtomicFile } from "./atomic.js";
export { checkOutputPath, OutputPathError, RUN_DIRECTORY_FILES, type NamedInput, type OutputPathOptions } from "./outputPath.js";
export { moduleWorker, siblingModule } from "./worker.js";
export { encodeNpy, writeAttackPoints, writeNpy } from "./npy.js";
