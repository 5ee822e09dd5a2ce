import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { FastifyInstance } from "fastify";
import { LinearClassifier } from "../../src/model/linear.js";
import { float32ToBytes } from "../../src/model/http.js";
import type { AuditEntry } from "../../src/serve/audit.js";
import { AuditLog, createServer, KeyRing, type ServeOptions } from "../../src/serve/index.js";

/** Two keys of the loopback tests. */
export const KEYS = { alice: "alice-secret-0123456789", bob: "bob-secret-9876543210xx" } as const;
export const KEY_FILE = `# test keys\nalice:${KEYS.alice}\n\nbob:${KEYS.bob}\n`;

/** A 1x4x4 two-class linear model: class 1 when the mean pixel is above 0.5. */
export function linearModel(side = 4): LinearClassifier {
  const d = side * side;
  return new LinearClassifier({ channels: 1, height: side, width: side }, new Float32Array(d).fill(1 / d), -0.5);
}

export interface Running {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly logPath: string;
  /** Closes the server (after in-flight requests) and the log; returns the log's lines. */
  close(): Promise<AuditEntry[]>;
}

/** Starts `createServer` on 127.0.0.1 (any free port) with the test keys and an audit log in a fresh folder. */
export async function startServer(options: Partial<ServeOptions> = {}, keys: boolean = true): Promise<Running> {
  const dir = mkdtempSync(join(tmpdir(), "rsbench-serve-"));
  const logPath = join(dir, "audit.jsonl");
  const log = new AuditLog(logPath);
  const app = await createServer({ classifier: linearModel(), log, ...(keys ? { keys: KeyRing.parse(KEY_FILE) } : {}), ...options });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url, app, logPath,
    async close() {
      await app.close();
      log.close();
      return readLog(logPath);
    },
  };
}

export function readLog(path: string): AuditEntry[] {
  return readFileSync(path, "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as AuditEntry);
}

export interface Answer {
  readonly status: number;
  readonly body: any;
  readonly headers: Headers;
}

/** One request with a 10 s timeout; the body parsed as JSON. */
export async function call(url: string, init: { method?: string; key?: string | null; type?: string; body?: string | Uint8Array } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.key !== null) headers.authorization = `Bearer ${init.key ?? KEYS.alice}`;
  if (init.type !== undefined) headers["content-type"] = init.type;
  const response = await fetch(url, { method: init.method ?? (init.body === undefined ? "GET" : "POST"), headers, body: init.body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  return { status: response.status, body, headers: response.headers };
}

/** POST /v1/classify of float32 images as octets. */
export function classify(url: string, images: Float32Array, key?: string | null): Promise<Answer> {
  return call(`${url}/v1/classify`, { key, type: "application/octet-stream", body: float32ToBytes(images) });
}

const BIN = fileURLToPath(new URL("../../bin/rsbench.js", import.meta.url));

export interface Served {
  readonly child: ChildProcess;
  readonly url: string;
  /** Sends SIGTERM; resolves with the exit code and stderr. */
  stop(): Promise<{ code: number | null; stderr: string }>;
}

/** `rsbench serve ... --port 0` in a child process, once it prints its address (60 s at most). */
export function serve(args: readonly string[]): Promise<Served> {
  const child = spawn(process.execPath, [BIN, "serve", "--port", "0", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "", stderr = "";
  child.stderr!.on("data", (d) => { stderr += d; });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`rsbench serve did not start within 60 s: ${stderr}`)); }, 60_000);
    child.stdout!.on("data", (d) => {
      stdout += d;
      const m = /listening on (http:\/\/\S+)/.exec(stdout);
      if (m === null) return;
      clearTimeout(timer);
      resolve({
        child, url: m[1],
        async stop() {
          child.kill("SIGTERM");
          const kill = setTimeout(() => child.kill("SIGKILL"), 20_000);
          const code = await exited;
          clearTimeout(kill);
          return { code, stderr };
        },
      });
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`rsbench serve exited with ${code} before listening: ${stderr}`)); });
  });
}
