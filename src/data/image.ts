import { lazy } from "../io/lazy.js";
import { formatShape, type ImageShape } from "../model/classifier.js";

/** sharp, imported on first use (src/io/lazy.ts). */
const loadSharp = lazy(async () => (await import("sharp")).default);

/** Decoded 8-bit pixels, interleaved HWC (sharp's raw layout). */
export interface Pixels {
  readonly data: Uint8Array;
  readonly shape: ImageShape;
}

/** Whether two image shapes are equal. */
export function sameShape(a: ImageShape, b: ImageShape): boolean {
  return a.channels === b.channels && a.height === b.height && a.width === b.width;
}

/** The error for images that do not fit the expected shape (both shapes stated, and the fix). */
export function shapeMismatch(what: string, got: ImageShape, expected: ImageShape): Error {
  return new Error(
    `${what} has shape ${formatShape(got)} but ${formatShape(expected)} is expected; convert the images (rsbench's --resize flag, a config's "resize": true in its data block, or resize: true in loadData), or use a model made for ${formatShape(got)} images`,
  );
}

/** Channels sharp should produce for a target channel count (1 greyscale, 3 sRGB). */
function checkChannels(channels: number): void {
  if (channels !== 1 && channels !== 3) throw new RangeError(`unsupported image channels: expected 1 (greyscale) or 3 (RGB), got ${channels}`);
}

/**
 * Converts pixels to `shape` with sharp: resized to height x width (fit "fill", no cropping,
 * sharp's default Lanczos-3 kernel), and to greyscale or sRGB for 1 or 3 channels.
 */
export async function resizePixels(pixels: Pixels, shape: ImageShape): Promise<Pixels> {
  checkChannels(shape.channels);
  const { channels, height, width } = pixels.shape;
  const sharp = await loadSharp();
  let pipeline = sharp(pixels.data, { raw: { width, height, channels: channels as 1 | 3 } }).resize(shape.width, shape.height, { fit: "fill" });
  pipeline = shape.channels === 1 ? pipeline.greyscale() : pipeline.toColourspace("srgb");
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return finish(data, info.channels, shape);
}

/**
 * Decodes an image file (PNG, JPEG, ...) to 8-bit pixels, dropping alpha. Without `shape` the
 * image keeps its own size and is greyscale (1 channel) or RGB (3). With `shape` and `resize`
 * it is converted to it (see resizePixels); with `shape` and no `resize`, an image of another
 * shape is an error stating both shapes.
 */
export async function decodeImage(path: string, shape?: ImageShape, resize = false): Promise<Pixels> {
  const sharp = await loadSharp();
  const meta = await sharp(path).metadata().catch((error: unknown) => {
    throw new Error(`image ${path}: cannot be decoded (${(error as Error).message.trim() || "unknown error"}); expected a PNG or JPEG file`);
  });
  const colour = (meta.channels ?? 3) - (meta.hasAlpha ? 1 : 0) >= 3;
  const own: ImageShape = { channels: colour ? 3 : 1, height: meta.height ?? 0, width: meta.width ?? 0 };
  const target = shape ?? own;
  checkChannels(target.channels);
  if (!sameShape(own, target) && !resize) throw shapeMismatch(`image ${path}`, own, target);
  let pipeline = sharp(path).removeAlpha();
  if (own.height !== target.height || own.width !== target.width) pipeline = pipeline.resize(target.width, target.height, { fit: "fill" });
  pipeline = target.channels === 1 ? pipeline.greyscale() : pipeline.toColourspace("srgb");
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true }).catch((error: unknown) => {
    throw new Error(`image ${path}: cannot be decoded (${(error as Error).message.trim() || "unknown error"}); expected a PNG or JPEG file`);
  });
  return finish(data, info.channels, target);
}

function finish(data: Buffer, channels: number, shape: ImageShape): Pixels {
  const expected = shape.channels * shape.height * shape.width;
  // sharp can keep an extra channel (e.g. greyscale + alpha); keep the first `shape.channels`.
  if (channels === shape.channels && data.length === expected) return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), shape };
  const pixels = shape.height * shape.width;
  if (data.length !== pixels * channels || channels < shape.channels) {
    throw new Error(`image decoding produced ${data.length} bytes in ${channels} channels, expected ${formatShape(shape)}`);
  }
  const out = new Uint8Array(expected);
  for (let p = 0; p < pixels; p++) for (let c = 0; c < shape.channels; c++) out[p * shape.channels + c] = data[p * channels + c];
  return { data: out, shape };
}

/** Writes HWC uint8 pixels as CHW float32 in [0, 1] (pixel / 255) into `out` at `offset`. */
export function writeChwFloat(pixels: Uint8Array, shape: ImageShape, out: Float32Array, offset: number): void {
  const { channels, height, width } = shape;
  const plane = height * width;
  for (let c = 0; c < channels; c++) {
    for (let p = 0; p < plane; p++) out[offset + c * plane + p] = pixels[p * channels + c] / 255;
  }
}
