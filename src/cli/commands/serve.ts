import { randomBytes } from "node:crypto";
import type { Command } from "commander";
import type { Classifier } from "../../model/classifier.js";
import { formatShape } from "../../model/classifier.js";
import { createRandom } from "../../rng/xoshiro.js";
import { AuditLog, createServer, KeyRing, SERVE_DEFAULTS, SERVE_LIMITS } from "../../serve/index.js";
import { SmoothedClassifier } from "../../smoothing/smoothed.js";
import { loadModel } from "../../zoo/index.js";
import { loadingInputs, parseNumber, RULES, UsageError } from "../args.js";
import { deviceFlag, deviceOption, modelFlags } from "../device.js";
import { checkOut, warn } from "../output.js";

/** Defaults of `rsbench serve`. */
export const SERVE_COMMAND_DEFAULTS = Object.freeze({
  host: "127.0.0.1",
  port: 8080,
  /** Noise draws of g(sigma, n) with --sigma: 100, a deployed vote (the paper attacks n = 10 to 1000). */
  n: 100,
  maxBatch: SERVE_DEFAULTS.maxBatch,
});

interface ServeFlags {
  model: string;
  sigma?: string;
  n?: string;
  host: string;
  port: string;
  keys?: string;
  rate?: string;
  quota?: string;
  log?: string;
  seed?: string;
  maxBatch: string;
  disclose?: boolean;
  earlyStop?: boolean;
  requestTimeout: string;
  headersTimeout?: string;
  device?: string;
}

const LOOPBACK = new Set(["127.0.0.1", "::1", "localhost"]);

/** Registers `rsbench serve`. */
export function register(program: Command): void {
  deviceOption(program.command("serve"))
    .description("Serve a model, or g(sigma, n) around it, behind a label-only HTTP API (GET /v1/info, POST /v1/classify) with keys, per-key rate and quota limits and an audit log (docs/serve.md).")
    .requiredOption("--model <model>", "shipped model name or path of an ONNX model")
    .option("--sigma <sigma>", "serve g(sigma, n), the smoothed classifier with Gaussian noise of this std in pixel units (without it: the base model)")
    .option("--n <n>", `noise draws of g(sigma, n) per image (needs --sigma; defaults to ${SERVE_COMMAND_DEFAULTS.n}); every image gets all n`)
    .option("--host <host>", "address to listen on", SERVE_COMMAND_DEFAULTS.host)
    .option("--port <port>", "port to listen on (0: any free port, printed at start)", String(SERVE_COMMAND_DEFAULTS.port))
    .option("--keys <file>", "API keys, one ID:SECRET per line (secrets of at least 16 characters); requests need Authorization: Bearer SECRET. Without it, anyone who can connect is answered")
    .option("--rate <r>", "requests per second per key (429 with Retry-After beyond); defaults to unlimited")
    .option("--quota <q>", "images in total per key, for the server's lifetime (403 beyond); defaults to unlimited")
    .option("--log <file>", "audit log: append one JSON line per request {time, key, images, status, sha256}")
    .option("--seed <seed>", "seed of the noise of g(sigma, n), for reproducible answers (tests only: a deployed defense must not be predictable); defaults to a cryptographically random seed")
    .option("--max-batch <m>", "most images per request", String(SERVE_COMMAND_DEFAULTS.maxBatch))
    .option("--disclose", "also give sigma and n in GET /v1/info")
    .option("--request-timeout <seconds>", "seconds a request may take from its first byte to its last (a slower client gets 408)", String(SERVE_DEFAULTS.requestTimeoutMs / 1000))
    .option("--headers-timeout <seconds>", `seconds the request line and headers may take (408 beyond), at most --request-timeout (defaults to ${SERVE_DEFAULTS.headersTimeoutMs / 1000}, or --request-timeout when smaller)`)
    .option("--early-stop", "stop each image's draws once its majority is settled (faster, but the response time then leaks the vote margin: for measuring that leak only)")
    .addHelpText("after", "\nExample:\n  rsbench serve --model fashion-mnist-standard --sigma 0.25 --n 100 --keys keys.txt --rate 20 --log audit.jsonl")
    .action(async (flags: ServeFlags) => {
      if (flags.sigma === undefined) {
        for (const f of ["n", "earlyStop", "seed"] as const) {
          if (flags[f] !== undefined) throw new UsageError(`invalid --${f.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}: it sets the noise of g(sigma, n) and needs --sigma`);
        }
      }
      const sigma = flags.sigma === undefined ? null : parseNumber("--sigma", flags.sigma, RULES.sigma);
      const n = sigma === null ? null : flags.n === undefined ? SERVE_COMMAND_DEFAULTS.n : parseNumber("--n", flags.n, RULES.n);
      const port = parseNumber("--port", flags.port, { min: 0, max: 65535, integer: true });
      const rate = flags.rate === undefined ? undefined : parseNumber("--rate", flags.rate, RULES.count);
      const quota = flags.quota === undefined ? undefined : parseNumber("--quota", flags.quota, RULES.count);
      const maxBatch = parseNumber("--max-batch", flags.maxBatch, { ...RULES.count, max: SERVE_LIMITS.maxBatch });
      const seed = flags.seed === undefined ? undefined : parseNumber("--seed", flags.seed, RULES.seed);
      const { requestTimeoutMs, headersTimeoutMs } = timeoutsOf(flags);
      // The audit log is appended to: never the model, the key file, a run's own files (issue 26).
      checkOut(flags.log, { model: flags.model, keys: flags.keys }, "file", "--log");
      let keys: KeyRing | undefined;
      try {
        keys = flags.keys === undefined ? undefined : KeyRing.read(flags.keys);
      } catch (error) {
        throw new UsageError((error as Error).message);
      }
      if (keys === undefined && !LOOPBACK.has(flags.host)) warn(`serving on ${flags.host} without --keys: anyone who can connect gets answers`);
      const loaded = await loadingInputs(() => loadModel(flags.model, modelFlags(flags)));
      // The noise: 128 bits from the OS unless --seed makes it reproducible.
      const random = seed !== undefined ? createRandom(seed) : (() => {
        const words = new Uint32Array(randomBytes(16).buffer);
        return createRandom(words[0], words[1], words[2], words[3]);
      })();
      const classifier: Classifier = sigma === null ? loaded.classifier
        : new SmoothedClassifier(loaded.classifier, { sigma, n: n!, random, earlyStop: flags.earlyStop === true });
      const log = flags.log === undefined ? undefined : new AuditLog(flags.log);
      const app = await createServer({
        classifier, keys, rate, quota, maxBatch, log, requestTimeoutMs, headersTimeoutMs,
        disclose: flags.disclose ? { sigma, n } : undefined,
        onInternalError: (error) => warn(`internal error: ${error.message}`),
      });
      let address: string;
      try {
        address = await app.listen({ host: flags.host, port });
      } catch (error) {
        log?.close();
        throw new Error(`cannot listen on ${flags.host}:${port}: ${(error as Error).message}`);
      }
      const what = sigma === null ? `${loaded.name} (base model)` : `g(sigma=${sigma}, n=${n}) around ${loaded.name}${flags.earlyStop ? ", early stopping (timing leaks the margin)" : ""}`;
      process.stderr.write(
        `rsbench serve: ${what}, ${formatShape(classifier.shape)} images, ${classifier.numClasses} classes\n` +
        `  keys: ${keys ? keys.size : "none (open)"}, rate: ${rate ?? "unlimited"}/s per key, quota: ${quota ?? "unlimited"} images per key, max batch: ${maxBatch}, log: ${flags.log ?? "none"}\n` +
        `  timeouts: headers ${headersTimeoutMs / 1000} s, request ${requestTimeoutMs / 1000} s\n` +
        (sigma === null ? "" : `  noise: ${seed === undefined ? "cryptographically random seed" : `--seed ${seed} (reproducible)`}\n`),
      );
      process.stdout.write(`listening on ${address}\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          process.stderr.write(`rsbench serve: ${signal}: finishing in-flight requests\n`);
          app.close().then(() => {
            log?.close();
            process.stderr.write(`rsbench serve: stopped${log ? `, ${log.written} log lines written to ${flags.log}` : ""}\n`);
            resolve();
          }, (error: Error) => {
            log?.close();
            warn(`shutdown: ${error.message}`);
            resolve();
          });
        };
        process.once("SIGTERM", () => stop("SIGTERM"));
        process.once("SIGINT", () => stop("SIGINT"));
      });
      await loaded.classifier.dispose?.();
    });
}

/** Seconds of a timeout flag: a number > 0, at most a day (node's timers stop at about 24 days). */
const TIMEOUT_RULE = { min: 0, openMin: true, limit: 86_400 } as const;

/** --request-timeout and --headers-timeout in milliseconds, checked against each other. */
function timeoutsOf(flags: ServeFlags): { requestTimeoutMs: number; headersTimeoutMs: number } {
  const request = parseNumber("--request-timeout", flags.requestTimeout, TIMEOUT_RULE);
  const requestTimeoutMs = Math.max(1, Math.round(request * 1000));
  if (flags.headersTimeout === undefined) return { requestTimeoutMs, headersTimeoutMs: Math.min(SERVE_DEFAULTS.headersTimeoutMs, requestTimeoutMs) };
  const headers = parseNumber("--headers-timeout", flags.headersTimeout, TIMEOUT_RULE);
  if (headers > request) throw new UsageError(`invalid --headers-timeout: expected at most --request-timeout (${request} s), got ${JSON.stringify(flags.headersTimeout)}`);
  return { requestTimeoutMs, headersTimeoutMs: Math.max(1, Math.round(headers * 1000)) };
}
