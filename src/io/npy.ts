/**
 * NumPy's .npy format, version 1.0 (numpy.lib.format, NEP 1): the magic "\x93NUMPY", the version
 * bytes 1 0, a little-endian uint16 header length, then an ASCII Python dict literal giving the
 * dtype, the memory order and the shape, padded with spaces and ended by "\n" so that the data
 * starts at a multiple of 64 bytes, then the values. rsbench writes float32 arrays ('<f4',
 * C order) so that `numpy.load` and other tools read the saved adversarial examples; the header
 * is spelled as numpy's own writer spells it (numpy.lib.format._write_array_header, with its
 * spare room for growing the first axis), so the bytes equal those of `np.save`.
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomic } from "./atomic.js";

/** Alignment of the data (numpy.lib.format.ARRAY_ALIGN). */
const ARRAY_ALIGN = 64;
/** Spare characters numpy leaves after the header to grow the first axis in place (GROWTH_AXIS_MAX_DIGITS). */
const GROWTH_AXIS_MAX_DIGITS = 21;
const MAGIC = [0x93, ...Array.from("NUMPY", (c) => c.charCodeAt(0))];

/** The bytes of a .npy file (version 1.0, '<f4', C order) holding `data` with `shape`. */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  if (!shape.every((s) => Number.isSafeInteger(s) && s >= 0)) throw new RangeError(`invalid shape: expected non-negative integers, got [${shape.join(", ")}]`);
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== data.length) throw new RangeError(`invalid shape: [${shape.join(", ")}] holds ${size} values, got ${data.length}`);
  // Python's repr of a tuple: "(3,)" for one axis, "(1, 28, 28)" otherwise.
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${tuple}, }`;
  if (shape.length > 0) header += " ".repeat(GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length);
  const preamble = MAGIC.length + 2 + 2;
  const padded = header + " ".repeat((ARRAY_ALIGN - ((preamble + header.length + 1) % ARRAY_ALIGN)) % ARRAY_ALIGN) + "\n";
  if (padded.length > 0xffff) throw new RangeError(`invalid shape: its header needs ${padded.length} bytes, more than format 1.0 allows (65535)`);
  const out = new Uint8Array(preamble + padded.length + 4 * data.length);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, padded.length, true);
  for (let i = 0; i < padded.length; i++) out[preamble + i] = padded.charCodeAt(i);
  const values = new DataView(out.buffer, preamble + padded.length);
  for (let i = 0; i < data.length; i++) values.setFloat32(4 * i, data[i], true);
  return out;
}

/** Writes `data` with `shape` to `path` as .npy, atomically (the old file or the new one, never half of one). */
export function writeNpy(path: string, data: Float32Array, shape: readonly number[]): void {
  writeFileAtomic(path, encodeNpy(data, shape));
}

/**
 * Writes the points of one attacked image into `dir` (created if needed): `<index>.npy`, the
 * attack's final point, and `<index>.hardened.npy`, the hardened one, each when it exists, and for
 * each budget q of attacks[].hardenAt `<index>.at<q>.npy` and `<index>.at<q>.hardened.npy`, the
 * point held after q queries and its hardened point; `shape` is the image's (c, h, w). What
 * `rsbench attack --save` and a config's `save` write.
 */
export function writeAttackPoints(dir: string, index: number, points: AttackPointFiles, shape: readonly number[]): void {
  const files: [string, Float32Array | null][] = [
    [`${index}.npy`, points.final],
    [`${index}.hardened.npy`, points.hardened],
    ...(points.held ?? []).flatMap((h): [string, Float32Array | null][] => [[`${index}.at${h.queries}.npy`, h.final], [`${index}.at${h.queries}.hardened.npy`, h.hardened]]),
  ];
  if (files.every(([, data]) => data === null)) return;
  mkdirSync(dir, { recursive: true });
  for (const [name, data] of files) if (data !== null) writeNpy(join(dir, name), data, shape);
}

/** The points `writeAttackPoints` writes (src/attacks/pipeline.ts AttackPoints). */
export interface AttackPointFiles {
  readonly final: Float32Array | null;
  readonly hardened: Float32Array | null;
  readonly held?: readonly { readonly queries: number; readonly final: Float32Array | null; readonly hardened: Float32Array | null }[];
}

/**
 * The .npy files under `root` (recursively), as "/"-separated paths relative to it, sorted; none
 * when `root` does not exist. Other files (a crash's temporary files, `name.npy.tmp-...`) are left out.
 */
export function npyFilesUnder(root: string): string[] {
  const walk = (sub: string): string[] => readdirSync(sub === "" ? root : join(root, ...sub.split("/")), { withFileTypes: true }).flatMap((e) => {
    const path = sub === "" ? e.name : `${sub}/${e.name}`;
    return e.isDirectory() ? walk(path) : e.isFile() && e.name.endsWith(".npy") ? [path] : [];
  });
  return existsSync(root) ? walk("").sort() : [];
}
