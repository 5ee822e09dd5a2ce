import { stat } from "node:fs/promises";
import type * as Ort from "onnxruntime-node";
import { lazy } from "../io/lazy.js";
import type { Bounds, Classifier, ImageShape, Votes } from "./classifier.js";
import { defaultBatchSize, formatShape, imageSize } from "./classifier.js";
import { DEFAULT_DEVICE, deviceSessionOptions, deviceUnavailable, noiseThreadsFor, parseDevice, type Device } from "./device.js";
import { ModelError } from "./errors.js";
import { oneHotVotes } from "./linear.js";
import { InferenceWorker } from "./onnxWorker.js";

/** Options of `OnnxClassifier.load` (and `loadModel`). */
export interface OnnxClassifierOptions {
  /** Valid pixel range of the model's inputs. Defaults to [0, 1]. */
  bounds?: Bounds;
  /** Per-channel mean subtracted inside the classifier, (x - mean) / std. Defaults to no normalisation. */
  mean?: readonly number[];
  /** Per-channel std (> 0) of the normalisation. Defaults to all ones when `mean` is given. */
  std?: readonly number[];
  /** onnxruntime intra-op threads. Defaults to 2. */
  threads?: number;
  /**
   * Let onnxruntime's intra-op threads spin (busy-wait) between and after runs. Never changes a
   * result. Defaults to false: on the shared 2-core machine spinning threads burn the core that the
   * noise, the attack and the other workers need (ResNet-18 at batch 1 with 2 threads: 10-13 images
   * per CPU second spinning against 16.5-17.5 without, and faster in wall-clock time too; the
   * 28x28 model at batch 1000: 14-16k against 17-21k per CPU second; BENCHMARKS.md).
   */
  spinning?: boolean;
  /**
   * Image shape (CHW). Required when the model leaves channels, height or width symbolic;
   * otherwise it must agree with the model. Defaults to the model's own dimensions.
   */
  shape?: ImageShape;
  /**
   * Largest batch sent to onnxruntime in one run; bigger calls are split. Defaults to 1000
   * images, or fewer for large images (defaultBatchSize: at most MAX_BATCH_VALUES input values,
   * 27 images at 3x224x224), so that a big call does not take gigabytes of activations.
   */
  maxBatch?: number;
  /**
   * Run onnxruntime in a worker thread: `predict` then leaves the calling thread free (the
   * smoothed classifier draws the next batch of noise meanwhile), at the cost of one copy of the
   * batch. Same labels either way. Call `dispose()` when done. Defaults to false.
   */
  worker?: boolean;
  /**
   * Execution provider of the model (see device.ts). A device that cannot start throws a
   * DeviceError at load time; there is no fallback to another device. Defaults to "cpu".
   */
  device?: Device;
  /**
   * Threads running a model on this machine at once, this one included (a run's workers): the
   * noise-thread hint off the CPU divides the spare cores among them (noiseThreadsFor). Never
   * changes a result. Defaults to 1.
   */
  sharedBy?: number;
}

/** Defaults of OnnxClassifier.load. 2 threads: one per core of the reference CI machine. */
export const ONNX_DEFAULTS = {
  bounds: { lower: 0, upper: 1 } as Bounds,
  threads: 2,
  spinning: false,
  maxBatch: 1000,
  device: DEFAULT_DEVICE,
} as const;

const PROBE_BATCH = 2;

/** onnxruntime-node, imported on first use (its native binding is slow to load: src/io/lazy.ts). */
const onnxruntime = lazy(() => import("onnxruntime-node"));


/** Whether onnxruntime's CPU provider loads the file (tells a device failure from a bad model). */
async function loadsOnCpu(path: string): Promise<boolean> {
  try {
    const ort = await onnxruntime();
    await (await ort.InferenceSession.create(path, { executionProviders: ["cpu"], intraOpNumThreads: 1 })).release();
    return true;
  } catch {
    return false;
  }
}

/**
 * An image classifier backed by an ONNX model run with onnxruntime-node: one float32 NCHW input
 * with a dynamic batch axis (or a fixed batch of 1: then run one image per call) and one [batch, classes] output (logits or probabilities: only the
 * argmax is used; ties go to the smallest class index). Input and output names are read from the
 * model. Callers work in pixel space: the optional per-channel normalisation is applied inside.
 * Counts forward passes (images through the network); the load-time probe is not counted.
 */
export class OnnxClassifier implements Classifier {
  private passes = 0;
  private readonly d: number;
  /** Normalised-input buffer, allocated on first use for the call's chunk (at most maxBatch images), grown when needed and reused. */
  private input: Float32Array | null = null;
  /** (x - mean) / std = x * scale + offset, per channel. */
  private readonly scale: Float32Array | null;
  private readonly offset: Float32Array | null;

  private constructor(
    private readonly session: Ort.InferenceSession | null,
    private readonly worker: InferenceWorker | null,
    readonly path: string,
    readonly inputName: string,
    readonly outputName: string,
    readonly shape: ImageShape,
    readonly numClasses: number,
    readonly bounds: Bounds,
    readonly maxBatch: number,
    readonly mean: readonly number[] | null,
    readonly std: readonly number[] | null,
    readonly device: Device,
  ) {
    this.d = imageSize(shape);
    if (mean && std) {
      this.scale = Float32Array.from(std, (s) => 1 / s);
      this.offset = Float32Array.from(mean, (m, c) => -m / std[c]);
    } else {
      this.scale = this.offset = null;
    }
  }

  /** Loads and checks an ONNX model; throws ModelError saying what was expected and received. */
  static async load(path: string, options: OnnxClassifierOptions = {}): Promise<OnnxClassifier> {
    const threads = options.threads ?? ONNX_DEFAULTS.threads;
    const maxBatch = options.maxBatch ?? ONNX_DEFAULTS.maxBatch; // checked here; the default is capped by the image size in check()
    const bounds = options.bounds ?? ONNX_DEFAULTS.bounds;
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`invalid threads: expected an integer >= 1, got ${threads}`);
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`invalid maxBatch: expected an integer >= 1, got ${maxBatch}`);
    if (!(bounds.lower < bounds.upper)) throw new RangeError(`invalid bounds: expected lower < upper, got [${bounds.lower}, ${bounds.upper}]`);
    const device = parseDevice(options.device ?? ONNX_DEFAULTS.device);

    const info = await stat(path).catch(() => null);
    if (!info) throw new ModelError(`model file not found: expected an ONNX file at "${path}", got no such file`);
    if (!info.isFile()) throw new ModelError(`not a model file: expected an ONNX file at "${path}", got a directory or special file`);

    const sessionOptions: Ort.InferenceSession.SessionOptions = {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      executionMode: "sequential",
      graphOptimizationLevel: "all",
      extra: { session: { intra_op: { allow_spinning: (options.spinning ?? ONNX_DEFAULTS.spinning) ? "1" : "0" } } },
      ...deviceSessionOptions(device),
    };
    const ort = await onnxruntime();
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(path, sessionOptions);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      // Whose fault: a model that loads on the CPU provider means the device failed.
      if (device !== "cpu" && (await loadsOnCpu(path))) throw deviceUnavailable(device, path, reason);
      throw new ModelError(`not an ONNX model: expected a valid ONNX file at "${path}", but onnxruntime could not load it (${reason})`);
    }

    const sharedBy = options.sharedBy ?? 1;
    if (!Number.isSafeInteger(sharedBy) || sharedBy < 1) throw new RangeError(`invalid sharedBy: expected an integer >= 1, got ${sharedBy}`);
    try {
      const checked = await OnnxClassifier.check(session, path, options, bounds);
      checked.sharedBy = sharedBy;
      if (!options.worker) return checked;
      await session.release();
      const worker = new InferenceWorker({
        path,
        sessionOptions,
        inputName: checked.inputName,
        outputName: checked.outputName,
        dims: [checked.shape.channels, checked.shape.height, checked.shape.width],
        numClasses: checked.numClasses,
        scale: checked.std ? Float32Array.from(checked.std, (v) => 1 / v) : null,
        offset: checked.mean && checked.std ? Float32Array.from(checked.mean, (m, c) => -m / checked.std![c]) : null,
      });
      const inWorker = new OnnxClassifier(null, worker, path, checked.inputName, checked.outputName, checked.shape, checked.numClasses, bounds, checked.maxBatch, checked.mean, checked.std, checked.device);
      inWorker.sharedBy = sharedBy;
      return inWorker;
    } catch (error) {
      await session.release().catch(() => {});
      throw error;
    }
  }

  private static async check(
    session: Ort.InferenceSession,
    path: string,
    options: OnnxClassifierOptions,
    bounds: Bounds,
  ): Promise<OnnxClassifier> {
    const where = `in "${path}"`;
    const inputs = session.inputMetadata;
    if (inputs.length !== 1) {
      throw new ModelError(`expected a model with exactly one input, got ${inputs.length} (${inputs.map((m) => m.name).join(", ")}) ${where}`);
    }
    const input = inputs[0];
    if (!input.isTensor) throw new ModelError(`expected input "${input.name}" to be a tensor, got a non-tensor value ${where}`);
    if (input.type !== "float32") throw new ModelError(`expected a float32 input, got ${input.type} for input "${input.name}" ${where}`);
    const dims = input.shape;
    const dimsText = `[${dims.join(", ")}]`;
    if (dims.length !== 4) {
      throw new ModelError(`expected a 4-D NCHW input [batch, channels, height, width], got ${dims.length}-D ${dimsText} for input "${input.name}" ${where}`);
    }
    // A fixed batch of 1 (torch.onnx.export without dynamic_axes, the most common export) runs one
    // image per call: correct, but every batch becomes that many onnxruntime runs (slower; docs/own-model.md).
    const fixedBatch = typeof dims[0] === "number" && dims[0] > 0 ? dims[0] : null;
    if (fixedBatch !== null && fixedBatch !== 1) {
      throw new ModelError(`expected a dynamic batch axis (or a fixed batch of 1, run one image per call), got a fixed batch of ${fixedBatch} for input "${input.name}" ${dimsText} ${where}; re-export the model with a dynamic batch dimension (torch.onnx.export(..., dynamic_axes={"${input.name}": {0: "batch"}, ...}))`);
    }
    const fixed = dims.slice(1).map((v) => (typeof v === "number" && v > 0 ? v : null));
    // Channels-last (TensorFlow/Keras, or a PyTorch model that permutes inside): [batch, H, W, C] with C = 1 or 3 last.
    if ((fixed[2] === 1 || fixed[2] === 3) && fixed[0] !== null && fixed[0] !== 1 && fixed[0] !== 3) {
      throw new ModelError(`input "${input.name}" ${dimsText} ${where} looks channels-last (NHWC: ${fixed[0]}x${fixed[1]} images of ${fixed[2]} channel(s)): expected NCHW [batch, channels, height, width]; re-export the model to take NCHW input (e.g. [batch, ${fixed[2]}, ${fixed[0]}, ${fixed[1]}]; in PyTorch, drop the permute to channels-last from its forward)`);
    }
    let shape: ImageShape;
    if (options.shape) {
      const s = options.shape;
      const wanted = [s.channels, s.height, s.width];
      if (!wanted.every((v) => Number.isInteger(v) && v > 0)) throw new RangeError(`invalid shape: expected positive integers, got ${formatShape(s)}`);
      if (fixed.some((v, i) => v !== null && v !== wanted[i])) {
        throw new ModelError(`image shape mismatch: the model takes ${dims.slice(1).join("x")} images, got shape ${formatShape(s)} ${where}`);
      }
      shape = { channels: s.channels, height: s.height, width: s.width };
    } else {
      if (fixed.some((v) => v === null)) {
        throw new ModelError(`expected fixed channels, height and width, got ${dimsText} for input "${input.name}" ${where}; give the image shape: --shape C,H,W on the command line, "shape": [C, H, W] in a config's defense, or the shape option of OnnxClassifier.load`);
      }
      shape = { channels: fixed[0]!, height: fixed[1]!, width: fixed[2]! };
    }

    const outputs = session.outputMetadata;
    if (outputs.length !== 1) {
      throw new ModelError(`expected a model with exactly one output, got ${outputs.length} (${outputs.map((m) => m.name).join(", ")}) ${where}`);
    }
    const output = outputs[0];
    if (!output.isTensor) throw new ModelError(`expected output "${output.name}" to be a tensor, got a non-tensor value ${where}`);
    if (output.shape.length !== 0 && output.shape.length !== 2) {
      throw new ModelError(`expected output "${output.name}" of shape [batch, classes], got [${output.shape.join(", ")}] ${where}`);
    }

    let mean: number[] | null = null;
    let std: number[] | null = null;
    if (options.mean || options.std) {
      mean = [...(options.mean ?? new Array<number>(shape.channels).fill(0))];
      std = [...(options.std ?? new Array<number>(shape.channels).fill(1))];
      if (mean.length !== shape.channels || !mean.every(Number.isFinite)) {
        throw new RangeError(`invalid mean: expected ${shape.channels} finite values (one per channel), got [${mean.join(", ")}]`);
      }
      if (std.length !== shape.channels || !std.every((s) => Number.isFinite(s) && s > 0)) {
        throw new RangeError(`invalid std: expected ${shape.channels} positive values (one per channel), got [${std.join(", ")}]`);
      }
    }

    // Probe: one run on a small batch tells the number of classes and checks the output rank,
    // whatever the metadata says (symbolic or missing dims). Not counted as forward passes.
    const d = imageSize(shape);
    const maxBatch = fixedBatch ?? options.maxBatch ?? defaultBatchSize(d, ONNX_DEFAULTS.maxBatch);
    const probeBatch = fixedBatch ?? PROBE_BATCH;
    const ort = await onnxruntime();
    const probe = new ort.Tensor("float32", new Float32Array(probeBatch * d), [probeBatch, shape.channels, shape.height, shape.width]);
    let result: Ort.InferenceSession.ReturnType;
    try {
      result = await session.run({ [input.name]: probe });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ModelError(`model failed on a batch of ${probeBatch} images of shape ${formatShape(shape)} ${where}: ${reason}`);
    }
    const out = result[output.name] as Ort.Tensor;
    if (out.type !== "float32" && out.type !== "float64") {
      throw new ModelError(`expected output "${output.name}" of float scores, got ${out.type} ${where}`);
    }
    if (out.dims.length !== 2 || out.dims[0] !== probeBatch || out.dims[1] < 2) {
      throw new ModelError(`expected output "${output.name}" of shape [batch, classes] with at least 2 classes, got [${out.dims.join(", ")}] for a batch of ${probeBatch} ${where}`);
    }
    return new OnnxClassifier(session, null, path, input.name, output.name, shape, out.dims[1], bounds, maxBatch, mean, std, parseDevice(options.device ?? ONNX_DEFAULTS.device));
  }

  get forwardPasses(): number {
    return this.passes;
  }

  /** Noise threads for a smoothed classifier over this model: 0 on the CPU, cores - 1 on a GPU (shared out, see OnnxClassifierOptions.sharedBy). */
  get noiseThreads(): number {
    return noiseThreadsFor(this.device, undefined, this.sharedBy);
  }

  /** See OnnxClassifierOptions.sharedBy (set once, by load). */
  private sharedBy = 1;

  async predict(batch: Float32Array, count: number): Promise<Int32Array> {
    this.checkBatch(batch, count);
    const labels = new Int32Array(count);
    for (let start = 0; start < count; start += this.maxBatch) {
      const size = Math.min(this.maxBatch, count - start);
      if (this.worker) {
        const chunk = this.worker.run(batch.subarray(start * this.d, (start + size) * this.d), size, start);
        this.passes += size; // spent even if the scores turn out not to be finite
        labels.set(await chunk, start);
      } else {
        await this.runChunk(batch, start, size, labels);
      }
    }
    return labels;
  }

  async votes(batch: Float32Array, count: number): Promise<Votes> {
    return oneHotVotes(await this.predict(batch, count), this.numClasses);
  }

  /** Releases the onnxruntime session (and its worker); the classifier cannot be used afterwards. */
  async dispose(): Promise<void> {
    await this.session?.release();
    await this.worker?.terminate();
  }

  private checkBatch(batch: Float32Array, count: number): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`invalid count: expected a non-negative integer, got ${count}`);
    if (batch.length !== count * this.d) {
      throw new ModelError(`image size mismatch: expected ${count} image(s) of shape ${formatShape(this.shape)} (${count * this.d} values), got ${batch.length} values`);
    }
  }

  private async runChunk(batch: Float32Array, start: number, size: number, labels: Int32Array): Promise<void> {
    const d = this.d;
    const src = batch.subarray(start * d, (start + size) * d);
    let data = src;
    if (this.scale && this.offset) {
      data = this.inputBuffer(size * d);
      const plane = this.shape.height * this.shape.width;
      const channels = this.shape.channels;
      for (let i = 0, o = 0; i < size; i++) {
        for (let c = 0; c < channels; c++) {
          const a = this.scale[c], b = this.offset[c];
          for (let end = o + plane; o < end; o++) data[o] = src[o] * a + b;
        }
      }
    } else if (src.buffer instanceof SharedArrayBuffer) {
      // onnxruntime-node refuses tensors over shared memory (noise threads write there): copy.
      data = this.inputBuffer(size * d);
      data.set(src);
    }
    const ort = await onnxruntime();
    const tensor = new ort.Tensor("float32", data, [size, this.shape.channels, this.shape.height, this.shape.width]);
    const result = await this.session!.run({ [this.inputName]: tensor });
    const out = result[this.outputName] as Ort.Tensor;
    const k = this.numClasses;
    if (out.dims.length !== 2 || out.dims[0] !== size || out.dims[1] !== k) {
      throw new ModelError(`expected output "${this.outputName}" of shape [${size}, ${k}], got [${out.dims.join(", ")}]`);
    }
    this.passes += size; // spent even if the scores turn out not to be finite
    const scores = out.data as Float32Array | Float64Array;
    for (let i = 0; i < size; i++) {
      const o = i * k;
      let best = 0, top = scores[o];
      if (!Number.isFinite(top)) this.nonFinite(top, start + i);
      for (let c = 1; c < k; c++) {
        const v = scores[o + c];
        if (!Number.isFinite(v)) this.nonFinite(v, start + i);
        if (v > top) { top = v; best = c; } // strict: ties go to the smallest class index
      }
      labels[start + i] = best;
    }
  }

  /** The reused input buffer, `length` values long (a 224x224 model queried one image at a time never holds maxBatch images). */
  private inputBuffer(length: number): Float32Array {
    if (!this.input || this.input.length < length) this.input = new Float32Array(length);
    return this.input.subarray(0, length);
  }

  private nonFinite(value: number, image: number): never {
    throw new ModelError(`model output "${this.outputName}" is not finite: expected finite scores, got ${value} for image ${image} of the batch`);
  }
}
