/**
 * Class maps: an explicit folder name -> model label map for a folder dataset (`--class-map FILE`,
 * a data config's `classMap`), for folders that hold only some of a model's classes or whose
 * sorted order is not the model's label order.
 */
import { readFileSync } from "node:fs";
import type { ClassMap } from "./types.js";

/** Reads a class map file (`--class-map FILE`): a JSON object of folder name -> integer label >= 0; errors name the file. */
export function readClassMap(path: string): ClassMap {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    throw new Error(`class map ${path}: ${e.code === "ENOENT" ? "file not found" : `not valid JSON (${e.message})`}; expected a JSON object {"folder name": label, ...}`);
  }
  const problem = classMapProblem(value);
  if (problem) throw new Error(`class map ${path}: ${problem}`);
  return value as ClassMap;
}

/** Why `value` is not a class map (a JSON object of integer labels >= 0), or null. */
export function classMapProblem(value: unknown): string | null {
  if (typeof value !== "object" || value === null || Array.isArray(value) || Object.keys(value).length === 0) {
    return `expected a non-empty JSON object {"folder name": label, ...}, got ${JSON.stringify(value)?.slice(0, 60)}`;
  }
  const bad = Object.entries(value).filter(([, v]) => !Number.isSafeInteger(v) || (v as number) < 0);
  return bad.length ? `expected an integer label >= 0 for each folder, got ${bad.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(", ")}` : null;
}
