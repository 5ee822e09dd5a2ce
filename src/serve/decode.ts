/**
 * The bodies POST /v1/classify accepts, decoded to a batch of CHW float32 images and checked
 * against the model's shape and bounds. Every failure is a RequestError (400, 413 or 415) whose
 * message says what was expected and what was received.
 */
import type { Metadata } from "sharp";
import { lazy } from "../io/lazy.js";
import type { Bounds, ImageShape } from "../model/classifier.js";
import { formatShape, imageSize } from "../model/classifier.js";
import { bytesToFloat32 } from "../model/http.js";
import { RequestError } from "./errors.js";

/** sharp, imported on first use (src/io/lazy.ts). */
const loadSharp = lazy(async () => (await import("sharp")).default);

/** Imports sharp now (createServer does, so that the first PNG request does not wait for it). */
export async function preloadDecoder(): Promise<void> {
  await loadSharp();
}

/** A decoded request: `count` images packed CHW in `images`. */
export interface Batch {
  readonly images: Float32Array;
  readonly count: number;
}

/** The content types of POST /v1/classify. */
export const CONTENT_TYPES = {
  json: "application/json",
  png: "image/png",
  octet: "application/octet-stream",
} as const;

/** Largest PNG body: one image, so a few bytes per pixel plus chunk overhead is plenty (bytes). */
const PNG_BYTES_PER_PIXEL = 8;
const PNG_OVERHEAD = 64 * 1024;

/**
 * Body limits per content type, in bytes, from the image size and `maxBatch`: exactly what the
 * largest valid body can take (JSON: base64 plus quoting and commas, with 4 KiB of slack for
 * whitespace), so anything larger is refused (413) before it is read in full.
 */
export function bodyLimits(shape: ImageShape, maxBatch: number): Record<keyof typeof CONTENT_TYPES, number> {
  const bytes = imageSize(shape) * 4;
  return {
    octet: maxBatch * bytes,
    json: maxBatch * (Math.ceil(bytes / 3) * 4 + 4) + 4096,
    png: shape.height * shape.width * shape.channels * PNG_BYTES_PER_PIXEL + PNG_OVERHEAD,
  };
}

/** Throws 400 unless every value is finite and within the bounds (names the first offender). */
export function checkPixels(images: Float32Array, d: number, bounds: Bounds): void {
  const { lower, upper } = bounds;
  for (let i = 0; i < images.length; i++) {
    const v = images[i];
    if (!(v >= lower && v <= upper)) {
      const what = Number.isNaN(v) ? "NaN" : String(v);
      throw new RequestError(400, `image ${Math.floor(i / d)}, value ${i % d}: expected a finite number in [${lower}, ${upper}] (the model's bounds), got ${what}`);
    }
  }
}

function checkCount(count: number, maxBatch: number): void {
  if (count < 1) throw new RequestError(400, "expected at least one image, got none");
  if (count > maxBatch) throw new RequestError(413, `expected at most ${maxBatch} images per request (--max-batch), got ${count}`);
}

/** `application/octet-stream`: `count` images of float32 CHW, little-endian, back to back. */
export function decodeOctet(body: Buffer, shape: ImageShape, bounds: Bounds, maxBatch: number): Batch {
  const bytes = imageSize(shape) * 4;
  if (body.length === 0 || body.length % bytes !== 0) {
    throw new RequestError(400, `expected a body of a whole number of ${formatShape(shape)} float32 images (${bytes} bytes each), got ${body.length} bytes`);
  }
  const count = body.length / bytes;
  checkCount(count, maxBatch);
  const images = bytesToFloat32(body);
  checkPixels(images, imageSize(shape), bounds);
  return { images, count };
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** `application/json`: `{"images": ["<base64 of float32 CHW, little-endian>", ...]}` and no other field. */
export function decodeJson(text: string, shape: ImageShape, bounds: Bounds, maxBatch: number): Batch {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RequestError(400, `expected a JSON body {"images": [base64, ...]}, got invalid JSON (${(error as Error).message})`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RequestError(400, `expected a JSON object {"images": [base64, ...]}, got ${Array.isArray(value) ? "an array" : value === null ? "null" : typeof value}`);
  }
  const extra = Object.keys(value).filter((k) => k !== "images");
  if (extra.length) throw new RequestError(400, `expected only the field "images", got ${extra.map((k) => JSON.stringify(k)).join(", ")}`);
  const list = (value as { images?: unknown }).images;
  if (!Array.isArray(list)) throw new RequestError(400, `expected "images" to be an array of base64 strings, got ${list === undefined ? "no such field" : typeof list}`);
  checkCount(list.length, maxBatch);
  const d = imageSize(shape), bytes = d * 4;
  const images = new Float32Array(list.length * d);
  list.forEach((item, i) => {
    if (typeof item !== "string") throw new RequestError(400, `images[${i}]: expected a base64 string, got ${item === null ? "null" : typeof item}`);
    if (item.length % 4 !== 0 || !BASE64.test(item)) throw new RequestError(400, `images[${i}]: expected standard base64 (A-Z a-z 0-9 + /, padded with =), got ${item.length} characters that are not`);
    const raw = Buffer.from(item, "base64");
    if (raw.length !== bytes) throw new RequestError(400, `images[${i}]: expected ${bytes} bytes (${formatShape(shape)} float32), got ${raw.length}`);
    images.set(bytesToFloat32(raw), i * d);
  });
  checkPixels(images, d, bounds);
  return { images, count: list.length };
}

/**
 * `image/png`: one image of exactly the model's height and width (never resized); 8-bit values v
 * map to lower + (upper - lower) v / 255. A grey model takes the PNG's luminance, a colour one
 * its RGB; alpha is dropped.
 */
export async function decodePng(body: Buffer, shape: ImageShape, bounds: Bounds): Promise<Batch> {
  const { channels, height, width } = shape;
  if (channels !== 1 && channels !== 3) throw new RequestError(415, `image/png needs a model of 1 or 3 channels, this one takes ${formatShape(shape)}: send application/octet-stream`);
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    meta = await sharp(body).metadata(); // the header only: the pixel limit applies when decoding
  } catch (error) {
    throw new RequestError(400, `expected a PNG image of ${width}x${height} pixels, got a body that does not decode (${(error as Error).message})`);
  }
  if (meta.format !== "png") throw new RequestError(400, `expected a PNG image, got ${meta.format ?? "an unknown format"}`);
  if (meta.width !== width || meta.height !== height) throw new RequestError(400, `expected a PNG of ${width}x${height} pixels, got ${meta.width}x${meta.height} (images are never resized)`);
  let data: Buffer;
  try {
    let pipeline = sharp(body, { limitInputPixels: height * width, failOn: "error" }).removeAlpha();
    pipeline = channels === 1 ? pipeline.toColourspace("b-w") : pipeline.toColourspace("srgb");
    ({ data } = await pipeline.raw({ depth: "uchar" }).toBuffer({ resolveWithObject: true }));
  } catch (error) {
    throw new RequestError(400, `expected a PNG image of ${width}x${height} pixels, got one that does not decode (${(error as Error).message})`);
  }
  const d = channels * height * width;
  if (data.length !== d) throw new RequestError(400, `expected ${d} pixel values after decoding, got ${data.length}`);
  const images = new Float32Array(d);
  const scale = (bounds.upper - bounds.lower) / 255;
  // sharp gives HWC; the model takes CHW.
  for (let y = 0, p = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++, p++) images[c * height * width + y * width + x] = bounds.lower + scale * data[p];
    }
  }
  return { images, count: 1 };
}
