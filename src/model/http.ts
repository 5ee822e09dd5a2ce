/**
 * A label-only classifier behind HTTP: the `Classifier` of `rsbench attack --target URL`. It speaks
 * the API of `rsbench serve` (docs/serve.md): GET /v1/info for the shape, bounds and classes, and
 * POST /v1/classify with a batch of float32 CHW images (application/octet-stream) for their labels.
 *
 * It answers labels only: `votes` gives one vote per call (what a label-only endpoint shows), so
 * the oracle's "shortcut" rule, which reads the n micro-decisions of g(sigma, n), cannot be used.
 * A batch larger than the server's `maxBatch` is split into several requests. 429 answers are
 * retried after their Retry-After, 5xx answers with exponential backoff, both bounded; a timeout or
 * a connection error is not retried (the server may have answered and counted the images).
 */
import type { Bounds, Classifier, ImageShape, Votes } from "./classifier.js";
import { formatShape, imageSize } from "./classifier.js";
import { ModelError } from "./errors.js";

/** The float32 values of `bytes` read little-endian (copied: `bytes` need not be aligned). */
export function bytesToFloat32(bytes: Uint8Array): Float32Array {
  const out = new Float32Array(bytes.length >> 2);
  const view = new DataView(bytes.buffer, bytes.byteOffset, out.length * 4);
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}

/** The little-endian bytes of float32 values (the wire format of images). */
export function float32ToBytes(values: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i], i * 4);
  return out;
}

/** What GET /v1/info answers. */
export interface RemoteInfo {
  readonly shape: readonly [number, number, number];
  readonly bounds: readonly [number, number];
  readonly classes: number;
  /** Most images per POST /v1/classify (absent: 1). */
  readonly maxBatch?: number;
}

/** Options of `HttpClassifier.connect`. */
export interface HttpClassifierOptions {
  /** Bearer secret sent as `Authorization: Bearer KEY`; absent: no header. */
  readonly key?: string;
  /** Milliseconds to wait for one answer before giving up. Defaults to 60000. */
  readonly timeoutMs?: number;
  /** Retries of one request after a 429 or a 5xx (each waits). Defaults to 8. */
  readonly retries?: number;
  /** First backoff after a 5xx, doubled each retry, in milliseconds. Defaults to 200. */
  readonly backoffMs?: number;
  /** Longest single wait (a larger Retry-After is an error), in milliseconds. Defaults to 30000. */
  readonly maxWaitMs?: number;
}

/** Defaults of HttpClassifier. */
export const HTTP_CLASSIFIER_DEFAULTS = Object.freeze({ timeoutMs: 60_000, retries: 8, backoffMs: 200, maxWaitMs: 30_000 });

/** A request to the remote classifier that failed; the message says what happened and what to try. */
export class RemoteError extends ModelError {
  constructor(message: string, readonly status: number | null = null) {
    super(message);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function connectionProblem(url: string, error: unknown, timeoutMs: number): RemoteError {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") {
    return new RemoteError(`no answer from ${url} within ${timeoutMs / 1000} s: the server is overloaded or unreachable (nothing was retried: the server may have answered and counted the images)`);
  }
  const code = e.cause?.code;
  const what = code === "ECONNREFUSED" ? "connection refused (is `rsbench serve` running there?)"
    : code === "ENOTFOUND" ? "host not found"
    : code === "ECONNRESET" ? "connection reset by the server"
    : e.cause?.message ?? e.message ?? String(error);
  return new RemoteError(`cannot reach ${url}: ${what}`);
}

/** The `error` field of a JSON error body, else the body's start. */
function errorText(body: string): string {
  try {
    const value = JSON.parse(body) as { error?: unknown };
    if (typeof value.error === "string") return value.error;
  } catch { /* not JSON */ }
  return body.slice(0, 200) || "(empty body)";
}

function checkInfo(url: string, value: unknown): RemoteInfo {
  const v = value as Partial<RemoteInfo> | null;
  const positive = (x: unknown) => Number.isSafeInteger(x) && (x as number) >= 1;
  if (typeof v !== "object" || v === null || !Array.isArray(v.shape) || v.shape.length !== 3 || !v.shape.every(positive)
    || !Array.isArray(v.bounds) || v.bounds.length !== 2 || !v.bounds.every(Number.isFinite) || !(v.bounds[0] < v.bounds[1])
    || !positive(v.classes) || v.classes! < 2 || (v.maxBatch !== undefined && !positive(v.maxBatch))) {
    throw new RemoteError(`${url}/v1/info: expected {"shape": [c, h, w], "bounds": [lo, hi], "classes": k}, got ${JSON.stringify(value).slice(0, 200)}`);
  }
  return v as RemoteInfo;
}

/** A Classifier answered by a remote label-only endpoint (see the module comment). */
export class HttpClassifier implements Classifier {
  readonly shape: ImageShape;
  readonly bounds: Bounds;
  readonly numClasses: number;
  readonly maxBatch: number;
  private readonly options: Required<Omit<HttpClassifierOptions, "key">> & { key?: string };
  private answered = 0;
  private requestsSent = 0;
  private retried = 0;

  private constructor(
    readonly url: string,
    /** What GET /v1/info answered, every field kept (a server's --disclose adds sigma and n). */
    readonly info: RemoteInfo,
    options: HttpClassifierOptions,
  ) {
    this.shape = { channels: info.shape[0], height: info.shape[1], width: info.shape[2] };
    this.bounds = { lower: info.bounds[0], upper: info.bounds[1] };
    this.numClasses = info.classes;
    this.maxBatch = info.maxBatch ?? 1;
    this.options = { ...HTTP_CLASSIFIER_DEFAULTS, ...options };
  }

  /** Asks `url` (e.g. http://127.0.0.1:8080) for its info and returns the classifier. */
  static async connect(url: string, options: HttpClassifierOptions = {}): Promise<HttpClassifier> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new RemoteError(`invalid target URL: expected http://HOST:PORT or https://HOST:PORT, got ${JSON.stringify(url)}`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new RemoteError(`invalid target URL: expected http:// or https://, got ${JSON.stringify(url)}`);
    const base = url.replace(/\/+$/, "");
    const probe = new HttpClassifier(base, { shape: [1, 1, 1], bounds: [0, 1], classes: 2 }, options);
    const body = await probe.request("GET", "/v1/info");
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      throw new RemoteError(`${base}/v1/info: expected JSON, got ${JSON.stringify(body.slice(0, 200))}`);
    }
    return new HttpClassifier(base, checkInfo(base, value), options);
  }

  /** Images the server answered (what its audit log counts with status 200): every call of `predict` that came back. */
  get forwardPasses(): number {
    return this.answered;
  }

  /** Requests that were answered with labels, and retries after a 429 or a 5xx. */
  get requests(): { readonly answered: number; readonly retries: number } {
    return { answered: this.requestsSent, retries: this.retried };
  }

  async predict(batch: Float32Array, count: number): Promise<Int32Array> {
    const d = imageSize(this.shape);
    if (!Number.isInteger(count) || count < 0 || batch.length !== count * d) {
      throw new RangeError(`image size mismatch: expected ${count} image(s) of ${formatShape(this.shape)} (${count * d} values), got ${batch.length} values`);
    }
    const labels = new Int32Array(count);
    for (let start = 0; start < count; start += this.maxBatch) {
      const m = Math.min(this.maxBatch, count - start);
      const body = float32ToBytes(batch.subarray(start * d, (start + m) * d));
      const text = await this.request("POST", "/v1/classify", body);
      labels.set(this.parseLabels(text, m), start);
      this.answered += m;
      this.requestsSent++;
    }
    return labels;
  }

  /** One vote per image, for its label: all a label-only endpoint shows. */
  async votes(batch: Float32Array, count: number): Promise<Votes> {
    void batch;
    void count;
    throw new RemoteError(`${this.url} answers labels only (POST /v1/classify returns no vote counts): the "shortcut" oracle rule reads the n micro-decisions of g(sigma, n) and cannot be used remotely; use the "label" or "repeat:K" rule`);
  }

  private parseLabels(text: string, m: number): Int32Array {
    let value: { labels?: unknown };
    try {
      value = JSON.parse(text) as { labels?: unknown };
    } catch {
      throw new RemoteError(`${this.url}/v1/classify: expected JSON {"labels": [...]}, got ${JSON.stringify(text.slice(0, 200))}`);
    }
    const list = value?.labels;
    if (!Array.isArray(list) || list.length !== m || !list.every((l) => Number.isInteger(l) && l >= 0 && l < this.numClasses)) {
      throw new RemoteError(`${this.url}/v1/classify: expected {"labels": [${m} integers in [0, ${this.numClasses - 1}]]}, got ${text.slice(0, 200)}`);
    }
    return Int32Array.from(list as number[]);
  }

  /** One request, retried after 429 (Retry-After) and 5xx (backoff); the body of the 200 answer. */
  private async request(method: "GET" | "POST", path: string, body?: Buffer): Promise<string> {
    const { key, timeoutMs, retries, backoffMs, maxWaitMs } = this.options;
    const headers: Record<string, string> = {};
    if (key !== undefined) headers.authorization = `Bearer ${key}`;
    if (body !== undefined) headers["content-type"] = "application/octet-stream";
    const url = this.url + path;
    for (let attempt = 0; ; attempt++) {
      let response: Response;
      let text: string;
      try {
        response = await fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
        text = await response.text();
      } catch (error) {
        // A GET asks nothing the server counts: once, it is sent again after a connection error
        // (e.g. a kept-alive socket the server closed: "other side closed"). A POST never is.
        const e = error as { name?: string };
        if (method === "GET" && attempt === 0 && e.name !== "TimeoutError" && e.name !== "AbortError") {
          this.retried++;
          continue;
        }
        throw connectionProblem(url, error, timeoutMs);
      }
      if (response.status === 200) return text;
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable || attempt >= retries) {
        const hint = response.status === 401 ? " (pass the key with --key, or RSBENCH_KEY)"
          : retryable ? ` (after ${attempt} retries)` : "";
        throw new RemoteError(`${method} ${url} answered ${response.status}: ${errorText(text)}${hint}`, response.status);
      }
      let wait: number;
      if (response.status === 429) {
        const after = Number(response.headers.get("retry-after"));
        wait = Number.isFinite(after) && after >= 0 ? after * 1000 : backoffMs * 2 ** attempt;
        if (wait > maxWaitMs) throw new RemoteError(`${method} ${url} answered 429 with Retry-After ${after} s, longer than the ${maxWaitMs / 1000} s this client waits: ${errorText(text)}`, 429);
      } else {
        wait = Math.min(backoffMs * 2 ** attempt, maxWaitMs);
      }
      this.retried++;
      await sleep(wait);
    }
  }
}
