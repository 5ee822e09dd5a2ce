/**
 * Image folders for the linear ONNX fixture (test/fixtures/linear.onnx, 1x8x8, class 1 iff
 * w.x + b > 0): class "1-pos" images are bright where w > 0 and dark where w < 0 (the model says
 * 1), class "0-neg" the reverse (the model says 0), so the true labels are known by construction.
 */
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";

const WEIGHTS = JSON.parse(readFileSync(new URL("../fixtures/linear.json", import.meta.url), "utf8")) as { w: number[] };
export const LINEAR_ONNX = new URL("../fixtures/linear.onnx", import.meta.url).pathname;

/** The 8x8 greyscale PNG of image k of a class (sign +1: "1-pos", -1: "0-neg"). */
export async function classImage(sign: 1 | -1, k: number): Promise<Buffer> {
  const pixels = Buffer.from(WEIGHTS.w.map((x, i) => (Math.sign(x) === sign ? 200 : 40) + ((i * 7 + k * 13) % 17)));
  return sharp(pixels, { raw: { width: 8, height: 8, channels: 1 } }).toColourspace("b-w").png().toBuffer();
}

/** Writes `root/<class>/img<k>.png` for the given classes ("0-neg" and/or "1-pos"), `perClass` each. */
export async function makeFolder(root: string, classes: readonly ("0-neg" | "1-pos")[], perClass: number): Promise<string> {
  for (const name of classes) {
    mkdirSync(join(root, name), { recursive: true });
    for (let k = 0; k < perClass; k++) {
      writeFileSync(join(root, name, `img${k}.png`), await classImage(name === "1-pos" ? 1 : -1, k));
    }
  }
  return root;
}

/** A private copy of the linear model (tests change it). */
export function copyModel(path: string): string {
  copyFileSync(LINEAR_ONNX, path);
  return path;
}
