/**
 * JSON has no Infinity and no NaN. Everything rsbench writes as JSON (results stores, `--json`
 * output, exports) goes through this one replacer: non-finite numbers become null, and record types
 * say which fields may be null for that reason.
 */
export function finiteJson(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

/** `JSON.stringify(value, finiteJson, indent)`. */
export function stringifyFinite(value: unknown, indent?: number): string {
  return JSON.stringify(value, finiteJson, indent);
}
