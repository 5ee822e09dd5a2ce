/**
 * A Redis for the queue tests. CI (.ci/run) starts one and exports its URL in RSBENCH_REDIS_URL,
 * with RSBENCH_REQUIRE_REDIS=1 so that the tests fail rather than skip without it. Elsewhere the
 * tests start their own `redis-server` on a free loopback port when the binary is on PATH (no
 * persistence, stopped afterwards), and otherwise are skipped with a message saying how to run them.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { connectRedis } from "../../src/experiments/distribute/queue.js";

export const REDIS_URL_VARIABLE = "RSBENCH_REDIS_URL";
export const REQUIRE_VARIABLE = "RSBENCH_REQUIRE_REDIS";

export interface TestRedis {
  readonly url: string;
  stop(): Promise<void>;
}

const HOW = `install Debian's redis-server (apt-get install redis-server) so that the tests start their own, ` +
  `or point ${REDIS_URL_VARIABLE}=redis://HOST:PORT at a Redis the tests may use; then run ` +
  "`node --import tsx --test test/experiments/queue.test.ts`";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function reachable(url: string): Promise<boolean> {
  try {
    (await connectRedis(url, 500)).disconnect();
    return true;
  } catch {
    return false;
  }
}

/** A Redis to test against, or the reason the queue tests are skipped (an error when CI requires them). */
export async function testRedis(): Promise<TestRedis | { readonly skip: string }> {
  const required = process.env[REQUIRE_VARIABLE] === "1";
  const given = process.env[REDIS_URL_VARIABLE];
  if (given) {
    if (!(await reachable(given))) throw new Error(`${REDIS_URL_VARIABLE}=${given}: no Redis answers there (expected a running redis-server)`);
    return { url: given, stop: async () => {} };
  }
  if (spawnSync("redis-server", ["--version"]).status !== 0) {
    if (required) throw new Error(`${REQUIRE_VARIABLE}=1 but neither ${REDIS_URL_VARIABLE} is set nor redis-server on PATH: the queue tests cannot run (${HOW})`);
    return { skip: `queue tests need Redis: ${HOW}` };
  }
  const port = await freePort();
  const child: ChildProcess = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  const url = `redis://127.0.0.1:${port}`;
  const stop = () => new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
  for (let attempt = 0; attempt < 50; attempt++) {
    if (await reachable(url)) return { url, stop };
    await new Promise((r) => setTimeout(r, 100));
  }
  await stop();
  throw new Error(`started redis-server on port ${port}, but it did not answer within 5 s`);
}
