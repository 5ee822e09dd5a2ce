// Exports what the official-HSJA harness needs (bench/peers/hsja/README.md): the first N Fashion-MNIST
// test images and labels as rsbench loads them, and, for a logits check, the logits onnxruntime
// computes for the first M images on the shipped model plus the labels rsbench's classifier predicts.
// Usage: node --import tsx bench/peers/hsja/export.ts OUTDIR [N=30] [M=300]
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import * as ort from "onnxruntime-node";
import { loadData } from "../../../src/data/index.js";
import { writeNpy } from "../../../src/io/npy.js";
import { loadModel } from "../../../src/zoo/load.js";

const [out, nText = "30", mText = "300"] = process.argv.slice(2);
if (!out) throw new Error("usage: export.ts OUTDIR [N] [M]: expected an output folder, got none");
const n = Number(nText), m = Number(mText);
mkdirSync(out, { recursive: true });
const data = await loadData("fashion-mnist", { selection: { count: Math.max(n, m) } });
const d = 28 * 28;
writeNpy(join(out, "images.npy"), data.images.slice(0, n * d), [n, 1, 28, 28]);
writeNpy(join(out, "labels.npy"), Float32Array.from(data.labels.slice(0, n)), [n]);
writeNpy(join(out, "check-images.npy"), data.images.slice(0, m * d), [m, 1, 28, 28]);

const model = await loadModel("fashion-mnist-standard", { threads: 1 });
const predicted = await model.classifier.predict(data.images.slice(0, m * d), m);
writeNpy(join(out, "check-rsbench-labels.npy"), Float32Array.from(predicted), [m]);
const session = await ort.InferenceSession.create(model.path, { intraOpNumThreads: 1 });
const input = new ort.Tensor("float32", data.images.slice(0, m * d), [m, 1, 28, 28]);
const result = await session.run({ [session.inputNames[0]]: input });
const logits = result[session.outputNames[0]];
writeNpy(join(out, "check-logits.npy"), logits.data as Float32Array, logits.dims as number[]);
await model.classifier.dispose?.();
console.log(`wrote ${n} images, ${m} check images and their logits to ${out}`);
