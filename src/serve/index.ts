/** `rsbench serve`: a classifier behind a label-only HTTP API, with keys, limits and an audit log (docs/serve.md). */
export { AuditLog } from "./audit.js";
export type { AuditEntry } from "./audit.js";
export { bodyLimits, checkPixels, CONTENT_TYPES, decodeJson, decodeOctet, decodePng } from "./decode.js";
export type { Batch } from "./decode.js";
export { RequestError } from "./errors.js";
export { bearerToken, KeyRing, MIN_SECRET_LENGTH } from "./keys.js";
export { createServer, SERVE_DEFAULTS, SERVE_LIMITS } from "./server.js";
export type { Disclosure, ServeOptions } from "./server.js";
