/**
 * Writes the first COUNT (default 500) Fashion-MNIST test images for the GPU run's agreement
 * check (scripts/gpu/measure.ts --fashion DIR): DIR/fashion-mnist-test.f32 (float32 pixels in
 * [0, 1], 1x28x28 each, little-endian) and DIR/fashion-mnist-test.labels (one byte per image).
 * Usage: node --import tsx scripts/gpu/fashion.ts DIR [COUNT]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadData } from "../../src/data/index.js";

const [dir, countText = "500"] = process.argv.slice(2);
if (!dir) throw new RangeError("missing DIR: expected the folder to write the images into");
const count = Number(countText);
if (!Number.isInteger(count) || count < 1) throw new RangeError(`invalid COUNT: expected an integer >= 1, got ${JSON.stringify(countText)}`);
const set = await loadData("fashion-mnist:test", { selection: { count } });
mkdirSync(dir, { recursive: true });
writeFileSync(join(dir, "fashion-mnist-test.f32"), Buffer.from(set.images.buffer, set.images.byteOffset, set.images.byteLength));
writeFileSync(join(dir, "fashion-mnist-test.labels"), Uint8Array.from(set.labels));
process.stdout.write(`wrote ${set.count} images of ${set.source} to ${dir}\n`);
