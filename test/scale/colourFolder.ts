/**
 * 224x224 RGB image folders for the tiny224 fixture (test/fixtures/tiny224.onnx, made by
 * training/export_resnet.py --arch tiny224): the model's logit c is the mean of channel c after
 * the ImageNet normalisation (x - mean_c) / std_c, so an image whose dominant channel is c is of
 * class c by construction (folders "0-red", "1-green", "2-blue": their sorted positions), and its
 * distance to the nearest other class is known in closed form (boundaryDistance).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import sharp from "sharp";

export const TINY224 = new URL("../fixtures/tiny224.onnx", import.meta.url).pathname;
export const SIZE = 224;
export const IMAGENET_MEAN = [0.485, 0.456, 0.406];
export const IMAGENET_STD = [0.229, 0.224, 0.225];
export const CLASS_FOLDERS = ["0-red", "1-green", "2-blue"] as const;

/** HWC 8-bit pixels of image k of class c: channel c bright (150-230), the others dark (20-100), in smooth waves. */
export function colourPixels(c: number, k: number): Uint8Array {
  const px = new Uint8Array(SIZE * SIZE * 3);
  for (let h = 0; h < SIZE; h++) for (let w = 0; w < SIZE; w++) for (let ch = 0; ch < 3; ch++) {
    const wave = Math.sin((h * (ch + 1) + w * (k + 2)) / 19 + k + ch);
    px[(h * SIZE + w) * 3 + ch] = Math.round((ch === c ? 190 : 60) + 40 * wave);
  }
  return px;
}

/** Writes `root/<class folder>/img<k>.png` for k < perClass and every class; returns root. */
export async function makeColourFolder(root: string, perClass: number): Promise<string> {
  for (let c = 0; c < 3; c++) {
    mkdirSync(join(root, CLASS_FOLDERS[c]), { recursive: true });
    for (let k = 0; k < perClass; k++) {
      const png = await sharp(Buffer.from(colourPixels(c, k)), { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toBuffer();
      writeFileSync(join(root, CLASS_FOLDERS[c], `img${k}.png`), png);
    }
  }
  return root;
}

/** The model's logits on HWC 8-bit pixels, computed here in closed form (mean of each normalised channel). */
export function tinyLogits(px: Uint8Array): number[] {
  const sums = [0, 0, 0];
  for (let i = 0; i < px.length; i++) sums[i % 3] += px[i] / 255;
  return sums.map((s, c) => (s / (SIZE * SIZE) - IMAGENET_MEAN[c]) / IMAGENET_STD[c]);
}

/**
 * Smallest L2 and Linf distances from the image to a point of another class, ignoring the pixel
 * bounds (so lower bounds on any adversarial point's distance): the margin l_y - l_j of the
 * linear logits over the dual norm of its gradient, which is 1 / (P std_y) on the P pixels of
 * channel y and -1 / (P std_j) on those of channel j.
 */
export function boundaryDistance(px: Uint8Array, label: number): { l2: number; linf: number } {
  const logits = tinyLogits(px);
  const P = SIZE * SIZE;
  let l2 = Infinity, linf = Infinity;
  for (let j = 0; j < 3; j++) {
    if (j === label) continue;
    const margin = logits[label] - logits[j];
    const a = 1 / IMAGENET_STD[label], b = 1 / IMAGENET_STD[j];
    l2 = Math.min(l2, margin / (Math.sqrt(a * a + b * b) / Math.sqrt(P)));
    linf = Math.min(linf, margin / (a + b));
  }
  return { l2, linf };
}
