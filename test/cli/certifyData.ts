import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import sharp from "sharp";

/** The analytic linear fixture model, its weights and a folder dataset for it (shared by the predict/certify CLI tests). */
export const MODEL = fileURLToPath(new URL("../fixtures/linear.onnx", import.meta.url));
const LINEAR = JSON.parse(readFileSync(fileURLToPath(new URL("../fixtures/linear.json", import.meta.url)), "utf8")) as { w: number[]; b: number };
const NORM = Math.sqrt(LINEAR.w.reduce((s, v) => s + v * v, 0));

/** Signed L2 distance to the boundary of the fixture model (class 1 iff > 0) of 8-bit pixels. */
export function distance(pixels: Uint8Array): number {
  let s = LINEAR.b;
  for (let j = 0; j < pixels.length; j++) s += LINEAR.w[j] * (pixels[j] / 255);
  return s / NORM;
}

/**
 * Writes `root/0/*.png` and `root/1/*.png`, 8x8 grey, with the given signed distances (within
 * 0.05) in class folders given by `labels`; returns the distances in listing order.
 */
export async function writeDataset(root: string, wanted: ReadonlyArray<{ distance: number; label: number }>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < wanted.length; i++) {
    // start from mid-grey and move along w until the distance is reached
    const pixels = new Uint8Array(64);
    let best = Infinity;
    let chosen = pixels;
    for (let step = -0.5; step <= 0.5; step += 0.0005) {
      const p = Uint8Array.from(LINEAR.w, (w) => Math.max(0, Math.min(255, Math.round(255 * (0.5 + step * w)))));
      const gap = Math.abs(distance(p) - wanted[i].distance);
      if (gap < best) { best = gap; chosen = p; }
    }
    if (best > 0.05) throw new Error(`cannot place an image at distance ${wanted[i].distance}`);
    const folder = join(root, String(wanted[i].label));
    mkdirSync(folder, { recursive: true });
    await sharp(Buffer.from(chosen), { raw: { width: 8, height: 8, channels: 1 } }).toColourspace("b-w").png().toFile(join(folder, `img${i}.png`));
    out.push(distance(chosen));
  }
  return out;
}

