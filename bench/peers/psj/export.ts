/**
 * Exports what the Python harness (run_official.py) needs from rsbench, so both sides attack
 * the same images from the same starting points with the same model:
 *
 *   images.npy       float32 [count, 1, 28, 28]  fashion-mnist:test images 0 .. count-1, pixel space [0, 1]
 *   labels.npy       int32   [count]             their labels
 *   logits.npy       float32 [count, 10]         the ONNX model's logits (onnxruntime-node, as rsbench runs it)
 *   predictions.npy  int32   [count]             OnnxClassifier.predict (argmax, ties to the smallest class)
 *   pool.npy         int32   [100]               START_POOL_SIZE pool: base-model labels of test images 0..99
 *   starts.npy       int32   [count]             nearestOtherClass(image_i, label_i, pool): the pool (= test)
 *                                                index of rsbench's `--start data` point, -1 if none
 *
 * Usage: node --import tsx bench/peers/psj/export.ts OUT_DIR [COUNT=300]
 * Not run by the tests; a peer-comparison tool (see README.md here).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ort from "onnxruntime-node";
import { labelStartPool, nearestOtherClass } from "../../../src/attacks/start.js";
import { loadData } from "../../../src/data/index.js";
import { loadModel } from "../../../src/zoo/load.js";

const MODEL = "fashion-mnist-standard";
const DATA = "fashion-mnist:test";

function npy(dtype: "<f4" | "<i4", shape: readonly number[], data: Float32Array | Int32Array): Buffer {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
  let header = `{'descr': '${dtype}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += " ".repeat((64 - (total % 64)) % 64) + "\n";
  const head = Buffer.alloc(10);
  head.write("\x93NUMPY", 0, "latin1");
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  return Buffer.concat([head, Buffer.from(header, "latin1"), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

async function main(): Promise<void> {
  const [out, countText = "300"] = process.argv.slice(2);
  if (out === undefined) throw new Error("expected OUT_DIR [COUNT], got no arguments");
  const count = Number(countText);
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`invalid COUNT: expected an integer >= 1, got ${countText}`);
  mkdirSync(out, { recursive: true });
  const model = await loadModel(MODEL, { threads: 1 });
  const data = await loadData(DATA, { selection: { count } });
  const d = 28 * 28;
  const predictions = await model.classifier.predict(data.images, count);
  const session = await ort.InferenceSession.create(model.path, { intraOpNumThreads: 1 });
  const result = await session.run({ [session.inputNames[0]]: new ort.Tensor("float32", data.images, [count, 1, 28, 28]) });
  const logits = result[session.outputNames[0]].data as Float32Array;
  const pool = await labelStartPool(model.classifier, (n) => loadData(DATA, { selection: n === undefined ? {} : { count: n } }));
  const starts = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const k = nearestOtherClass(data.images.subarray(i * d, (i + 1) * d), data.labels[i], pool.images, pool.predictions);
    starts[i] = k < 0 ? -1 : pool.indices[k];
  }
  writeFileSync(join(out, "images.npy"), npy("<f4", [count, 1, 28, 28], data.images));
  writeFileSync(join(out, "labels.npy"), npy("<i4", [count], data.labels));
  writeFileSync(join(out, "logits.npy"), npy("<f4", [count, 10], logits));
  writeFileSync(join(out, "predictions.npy"), npy("<i4", [count], predictions));
  writeFileSync(join(out, "pool.npy"), npy("<i4", [pool.predictions.length], pool.predictions));
  writeFileSync(join(out, "starts.npy"), npy("<i4", [count], starts));
  await session.release();
  await model.classifier.dispose();
  process.stdout.write(`wrote ${count} images of ${DATA}, logits of ${MODEL}, ${pool.predictions.length} pool labels and starts to ${out}\n`);
}

await main();
