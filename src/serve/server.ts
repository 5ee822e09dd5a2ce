/**
 * `rsbench serve` as a library: a fastify app that answers a Classifier's labels over HTTP/1.1
 * (docs/serve.md). GET /v1/info gives the shape, bounds and classes; POST /v1/classify the labels
 * of a batch (JSON base64, PNG or float32 octets) and nothing more. Keys, per-key rate and quota,
 * body limits per content type and the audit log are all here; every bad input is a 4xx with
 * `{"error": message}`. Model calls run one at a time, in arrival order, concurrent requests merged
 * (coalescing), so with a fixed seed the noise each image gets depends only on the order of the requests.
 */
import { createHash } from "node:crypto";
import { maxHeaderSize } from "node:http";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { lazy } from "../io/lazy.js";
import type { Classifier } from "../model/classifier.js";
import { imageSize } from "../model/classifier.js";
import type { AuditLog } from "./audit.js";
import { bodyLimits, CONTENT_TYPES, decodeJson, decodeOctet, decodePng, preloadDecoder, type Batch } from "./decode.js";
import { RequestError } from "./errors.js";
import { bearerToken, type KeyRing } from "./keys.js";

/** What /v1/info may disclose about the defense, with --disclose only. */
export interface Disclosure {
  readonly sigma: number | null;
  readonly n: number | null;
}

/** Options of `createServer`: the classifier, keys, limits and the audit log. */
export interface ServeOptions {
  /** The classifier answered: a base model, or g(sigma, n) around one. */
  readonly classifier: Classifier;
  /** Keys allowed; absent: every request is answered, under the one key ID null. */
  readonly keys?: KeyRing;
  /** Requests per second per key (429 with Retry-After beyond); absent: unlimited. */
  readonly rate?: number;
  /** Images in total per key (403 beyond); absent: unlimited. */
  readonly quota?: number;
  /** Most images per request. Defaults to SERVE_DEFAULTS.maxBatch. */
  readonly maxBatch?: number;
  /** The audit log, one line per request; absent: none. */
  readonly log?: AuditLog;
  /** Added to /v1/info when given (--disclose). */
  readonly disclose?: Disclosure;
  /** Called with each request that failed inside the server (a 5xx), for the CLI to report. */
  readonly onInternalError?: (error: Error) => void;
  /**
   * Milliseconds a request may take from its first byte to its last (a slow body is cut off with
   * 408). Defaults to SERVE_DEFAULTS.requestTimeoutMs.
   */
  readonly requestTimeoutMs?: number;
  /**
   * Milliseconds the request line and headers may take (stalled headers are cut off with 408), at
   * most `requestTimeoutMs`. Defaults to SERVE_DEFAULTS.headersTimeoutMs, or `requestTimeoutMs` when smaller.
   */
  readonly headersTimeoutMs?: number;
}

/**
 * Limits of the server. A request holds the server for images x n forward passes (n = 1 without
 * RS): one request of 5000 images at n = 100 (1x28x28) took 37 s and 598 MB (issue 26), so
 * `maxBatch` is at most 1024 (about a fifth of that).
 */
export const SERVE_LIMITS = Object.freeze({ maxBatch: 1024 });

/** Reason phrases of the statuses the HTTP-layer handler writes. */
const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 408: "Request Timeout", 431: "Request Header Fields Too Large" };

/** Defaults of the server. */
export const SERVE_DEFAULTS = Object.freeze({
  /** Images per request: 256 covers one HSJA gradient batch of 100 to 200 points in one request. */
  maxBatch: 256,
  /** Milliseconds a request may take from its first byte to its last (slow clients are cut off with 408). */
  requestTimeoutMs: 60_000,
  /** Milliseconds the request line and headers may take (408 beyond; node's default). */
  headersTimeoutMs: 60_000,
  /**
   * Most milliseconds between two checks of those timeouts (node checks every 30 s by default, so
   * stalled headers were answered after 63 s and up to 90 s; now within 1 s of the timeout).
   */
  timeoutCheckMs: 1_000,
  /** Milliseconds an idle keep-alive connection stays open (node's default). */
  keepAliveTimeoutMs: 5_000,
  /** Most images of concurrent requests merged into one model call (see coalescing). */
  coalesceImages: 1024,
});

declare module "fastify" {
  interface FastifyRequest {
    keyId: string | null;
    images: number;
    sha256: string | null;
  }
}

/**
 * Runs the model one call at a time, in arrival order, and merges the requests that arrived while
 * a call ran into the next call (up to `maxImages` images): concurrent clients share forward
 * passes instead of queueing one image each. Each request gets its own labels back. Merging keeps
 * the arrival order, so the noise an image gets depends only on the order of the requests.
 */
export function coalescing(classifier: Classifier, maxImages: number): (images: Float32Array, count: number) => Promise<Int32Array> {
  interface Pending { images: Float32Array; count: number; resolve(labels: Int32Array): void; reject(error: unknown): void }
  const pending: Pending[] = [];
  const d = imageSize(classifier.shape);
  let running = false;
  const drain = async () => {
    running = true;
    while (pending.length > 0) {
      const group: Pending[] = [];
      let total = 0;
      while (pending.length > 0 && (group.length === 0 || total + pending[0].count <= maxImages)) {
        const p = pending.shift()!;
        group.push(p);
        total += p.count;
      }
      let batch = group[0].images;
      if (group.length > 1) {
        batch = new Float32Array(total * d);
        let at = 0;
        for (const p of group) { batch.set(p.images, at * d); at += p.count; }
      }
      try {
        const labels = await classifier.predict(batch, total);
        if (labels.length !== total) throw new Error(`classifier answered ${labels.length} labels for ${total} images`);
        let at = 0;
        for (const p of group) { p.resolve(labels.slice(at, at + p.count)); at += p.count; }
      } catch (error) {
        for (const p of group) p.reject(error);
      }
    }
    running = false;
  };
  return (images, count) => new Promise<Int32Array>((resolve, reject) => {
    pending.push({ images, count, resolve, reject });
    if (!running) void drain();
  });
}

/** The message of an error fastify raised itself (body too large, unsupported type, bad header). */
function frameworkMessage(error: { code?: string; message: string }, limits: Record<string, number>, contentType: string | undefined): string {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE": {
      const type = Object.entries(CONTENT_TYPES).find(([, t]) => contentType?.startsWith(t));
      return type ? `body too large: expected at most ${limits[type[0]]} bytes for ${type[1]}` : "body too large";
    }
    case "FST_ERR_CTP_INVALID_MEDIA_TYPE":
      return `unsupported Content-Type ${JSON.stringify(contentType ?? "")}: expected ${Object.values(CONTENT_TYPES).join(", ")}`;
    case "FST_ERR_CTP_EMPTY_JSON_BODY":
    case "FST_ERR_CTP_EMPTY_TYPE":
      return "expected a body, got none";
    default:
      return error.message;
  }
}

/** fastify and its rate limiter, imported on first use (src/io/lazy.ts). */
const loadFastify = lazy(async () => {
  const [fastify, rateLimit] = await Promise.all([import("fastify"), import("@fastify/rate-limit"), preloadDecoder()]);
  return { Fastify: fastify.default, rateLimit: rateLimit.default };
});

/** Builds the app (not listening yet: call `listen`, and `close` to stop after in-flight requests). */
export async function createServer(options: ServeOptions): Promise<FastifyInstance> {
  const { classifier, keys, rate, quota, log } = options;
  const maxBatch = options.maxBatch ?? SERVE_DEFAULTS.maxBatch;
  if (!Number.isSafeInteger(maxBatch) || maxBatch < 1 || maxBatch > SERVE_LIMITS.maxBatch) {
    throw new RangeError(`invalid maxBatch: expected an integer in [1, ${SERVE_LIMITS.maxBatch}] (a request holds the server for images x n forward passes), got ${maxBatch}`);
  }
  if (rate !== undefined && !(Number.isSafeInteger(rate) && rate >= 1)) throw new RangeError(`invalid rate: expected an integer >= 1 (requests per second), got ${rate}`);
  if (quota !== undefined && !(Number.isSafeInteger(quota) && quota >= 1)) throw new RangeError(`invalid quota: expected an integer >= 1 (images), got ${quota}`);
  const requestTimeoutMs = options.requestTimeoutMs ?? SERVE_DEFAULTS.requestTimeoutMs;
  if (!(Number.isSafeInteger(requestTimeoutMs) && requestTimeoutMs >= 1)) throw new RangeError(`invalid requestTimeoutMs: expected an integer >= 1 (milliseconds), got ${requestTimeoutMs}`);
  const headersTimeoutMs = options.headersTimeoutMs ?? Math.min(SERVE_DEFAULTS.headersTimeoutMs, requestTimeoutMs);
  if (!(Number.isSafeInteger(headersTimeoutMs) && headersTimeoutMs >= 1 && headersTimeoutMs <= requestTimeoutMs)) {
    throw new RangeError(`invalid headersTimeoutMs: expected an integer in [1, requestTimeoutMs = ${requestTimeoutMs}] (milliseconds), got ${headersTimeoutMs}`);
  }
  const { shape, bounds } = classifier;
  const limits = bodyLimits(shape, maxBatch);
  const { Fastify, rateLimit } = await loadFastify();
  const app = Fastify({
    logger: false,
    bodyLimit: Math.max(...Object.values(limits)),
    requestTimeout: requestTimeoutMs,
    http: { headersTimeout: headersTimeoutMs, requestTimeout: requestTimeoutMs, connectionsCheckingInterval: Math.min(SERVE_DEFAULTS.timeoutCheckMs, Math.ceil(headersTimeoutMs / 4)) },
    return503OnClosing: true,
    keepAliveTimeout: SERVE_DEFAULTS.keepAliveTimeoutMs,
    // Requests node's HTTP parser rejects before any route runs (a body longer than its
    // Content-Length, headers that stall until the timeout, oversize headers): answered in the
    // documented {"error": ...} format and written to the audit log like any request (issue 26).
    clientErrorHandler: (error: Error & { code?: string }, socket) => {
      if (error.code === "ECONNRESET" || socket.destroyed) return;
      // Node reports both timeouts as ERR_HTTP_REQUEST_TIMEOUT (ERR_HTTP_REQUEST_HEADERS_TIMEOUT is kept for other versions).
      const [status, text] = error.code === "ERR_HTTP_REQUEST_TIMEOUT" || error.code === "ERR_HTTP_REQUEST_HEADERS_TIMEOUT"
        ? [408, `request not received in time: expected its headers within ${headersTimeoutMs / 1000} s and the whole request within ${requestTimeoutMs / 1000} s`]
        : error.code === "HPE_HEADER_OVERFLOW" ? [431, `request headers too large: expected at most ${maxHeaderSize} bytes of headers`]
        : [400, `malformed HTTP request (${error.code ?? "parse error"}): expected a well-formed request whose body is exactly its Content-Length`];
      const body = JSON.stringify({ error: text });
      if (socket.writable) {
        socket.write(`HTTP/1.1 ${status} ${STATUS_TEXT[status]}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: application/json; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
      }
      log?.append({ time: new Date().toISOString(), key: null, images: 0, status, sha256: null });
      socket.destroy(error);
    },
  });
  const classify = coalescing(classifier, SERVE_DEFAULTS.coalesceImages);
  // Images answered or being answered per key ID ("" for the key-less server).
  const spent = new Map<string, number>();

  app.decorateRequest("keyId", null);
  app.decorateRequest("images", 0);
  app.decorateRequest("sha256", null);

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) {
      options.onInternalError?.(error);
      return reply.code(500).send({ error: "internal error: the server could not classify this request" });
    }
    if (status === 401) reply.header("www-authenticate", 'Bearer realm="rsbench"');
    return reply.code(status).send({ error: frameworkMessage(error, limits, request.headers["content-type"]) });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ error: `no route ${request.method} ${request.url.split("?")[0]}: expected GET /v1/info or POST /v1/classify` });
  });

  // The key is identified once per request: first by the rate limit (so that requests without a
  // valid key are limited too, per address: no free guessing of keys), then checked before the
  // body is read (an unauthenticated body is never parsed).
  const identified = new WeakSet<FastifyRequest>();
  const identify = (request: FastifyRequest): string | null => {
    if (keys !== undefined && !identified.has(request)) {
      identified.add(request);
      const token = bearerToken(request.headers.authorization);
      request.keyId = token === null ? null : keys.identify(token);
    }
    return request.keyId;
  };
  app.addHook("preParsing", async (request) => {
    if (keys === undefined || identify(request) !== null) return;
    throw new RequestError(401, bearerToken(request.headers.authorization) === null ? "expected an Authorization: Bearer KEY header" : "unknown key");
  });
  // Once close() is called, answers still in flight tell their client to close the connection,
  // so close() resolves as soon as they are sent rather than after the keep-alive timeout.
  let closing = false;
  app.addHook("preClose", async () => { closing = true; });
  app.addHook("onSend", async (_request, reply) => {
    if (closing) reply.header("connection", "close");
  });
  app.addHook("onResponse", async (request, reply) => {
    log?.append({ time: new Date().toISOString(), key: request.keyId, images: request.images, status: reply.statusCode, sha256: request.sha256 });
  });

  if (rate !== undefined) {
    await app.register(rateLimit, {
      max: rate,
      timeWindow: 1000,
      hook: "onRequest",
      // Key IDs never contain ":", so "ip:..." cannot collide with one.
      keyGenerator: (request: FastifyRequest) => identify(request) ?? `ip:${request.ip}`,
      errorResponseBuilder: (_request: FastifyRequest, context: { after: string }) =>
        new RequestError(429, `rate limit: at most ${rate} requests per second per key; retry after ${context.after}`),
    });
  }

  app.removeAllContentTypeParsers();
  app.addContentTypeParser(CONTENT_TYPES.octet, { parseAs: "buffer", bodyLimit: limits.octet }, (_req, body, done) => done(null, body));
  app.addContentTypeParser(CONTENT_TYPES.png, { parseAs: "buffer", bodyLimit: limits.png }, (_req, body, done) => done(null, body));
  app.addContentTypeParser(CONTENT_TYPES.json, { parseAs: "string", bodyLimit: limits.json }, (_req, body, done) => done(null, body));

  const info = {
    shape: [shape.channels, shape.height, shape.width],
    bounds: [bounds.lower, bounds.upper],
    classes: classifier.numClasses,
    maxBatch,
    ...(options.disclose ? { sigma: options.disclose.sigma, n: options.disclose.n } : {}),
  };
  app.get("/v1/info", async () => info);

  app.post("/v1/classify", async (request: FastifyRequest, reply: FastifyReply) => {
    const type = (request.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    const body = request.body;
    let batch: Batch;
    if (type === CONTENT_TYPES.json) batch = decodeJson(body as string, shape, bounds, maxBatch);
    else if (type === CONTENT_TYPES.octet) batch = decodeOctet(body as Buffer, shape, bounds, maxBatch);
    else batch = await decodePng(body as Buffer, shape, bounds);
    request.images = batch.count;
    request.sha256 = createHash("sha256").update(new Uint8Array(batch.images.buffer, batch.images.byteOffset, batch.images.byteLength)).digest("hex");
    const who = request.keyId ?? "";
    const used = spent.get(who) ?? 0;
    if (quota !== undefined && used + batch.count > quota) {
      throw new RequestError(403, `quota exhausted: key ${request.keyId ?? "(none)"} has ${quota - used} of ${quota} images left, this request asks ${batch.count}`);
    }
    spent.set(who, used + batch.count);
    let labels: Int32Array;
    try {
      labels = await classify(batch.images, batch.count);
    } catch (error) {
      spent.set(who, (spent.get(who) ?? 0) - batch.count);
      throw error;
    }
    return reply.send({ labels: Array.from(labels) });
  });

  return app;
}
