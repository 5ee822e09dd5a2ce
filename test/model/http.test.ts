import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { bytesToFloat32, float32ToBytes, HttpClassifier } from "../../src/model/http.js";

/**
 * A scripted endpoint: GET /v1/info, and POST /v1/classify answering each request with the next
 * status of `script` (then 200 for good), labels = 1 where the first pixel is > 0.5.
 */
async function stub(info: object, script: Array<{ status: number; retryAfter?: string; hang?: boolean }> = []): Promise<{ app: FastifyInstance; url: string; posts: number[] }> {
  const app = Fastify();
  const posts: number[] = [];
  app.addContentTypeParser("application/octet-stream", { parseAs: "buffer" }, (_r, body, done) => done(null, body));
  app.get("/v1/info", async () => info);
  app.post("/v1/classify", async (request, reply) => {
    const images = bytesToFloat32(request.body as Buffer);
    const d = 4;
    posts.push(images.length / d);
    const step = script.shift();
    if (step?.hang) await new Promise((resolve) => setTimeout(resolve, 2000));
    if (step && step.status !== 200) {
      if (step.retryAfter !== undefined) reply.header("retry-after", step.retryAfter);
      return reply.code(step.status).send({ error: `scripted ${step.status}` });
    }
    return { labels: Array.from({ length: images.length / d }, (_, i) => (images[i * d] > 0.5 ? 1 : 0)) };
  });
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return { app, url, posts };
}

const INFO = { shape: [1, 2, 2], bounds: [0, 1], classes: 2, maxBatch: 3 };
const images = (...first: number[]) => {
  const out = new Float32Array(first.length * 4);
  first.forEach((v, i) => out.fill(v, i * 4, (i + 1) * 4));
  return out;
};

test("float32ToBytes and bytesToFloat32 are little-endian inverses", () => {
  const x = new Float32Array([0, 1, -2.5, 0.1, Infinity]);
  const bytes = float32ToBytes(x);
  assert.deepEqual([...bytes.subarray(4, 8)], [0, 0, 0x80, 0x3f]); // 1.0f little-endian
  assert.deepEqual(bytesToFloat32(bytes.subarray(0)), x);
  assert.deepEqual(bytesToFloat32(new Uint8Array([0, 0, 0, 0, 0, 0, 0x80, 0x3f]).subarray(4)), new Float32Array([1])); // unaligned
});

describe("HttpClassifier", () => {
  let server: Awaited<ReturnType<typeof stub>>;
  before(async () => { server = await stub(INFO); });
  after(async () => { await server.app.close(); });

  test("connect reads the shape, bounds, classes and batch limit from /v1/info", async () => {
    const c = await HttpClassifier.connect(server.url + "/");
    assert.deepEqual([c.shape, c.bounds, c.numClasses, c.maxBatch, c.url], [{ channels: 1, height: 2, width: 2 }, { lower: 0, upper: 1 }, 2, 3, server.url]);
  });

  test("predict splits a batch into requests of at most maxBatch images and counts the answered images", async () => {
    const c = await HttpClassifier.connect(server.url);
    server.posts.length = 0;
    const labels = await c.predict(images(0.9, 0.1, 0.8, 0.2, 0.7, 0.3, 0.6), 7);
    assert.deepEqual([...labels], [1, 0, 1, 0, 1, 0, 1]);
    assert.deepEqual(server.posts, [3, 3, 1]);
    assert.equal(c.forwardPasses, 7);
    assert.deepEqual(c.requests, { answered: 3, retries: 0 });
  });

  test("votes is a clear error: a label-only endpoint has no vote counts for the shortcut rule", async () => {
    const c = await HttpClassifier.connect(server.url);
    await assert.rejects(c.votes(images(0.9), 1), /answers labels only .* the "shortcut" oracle rule .* cannot be used remotely; use the "label" or "repeat:K" rule/);
  });

  test("bad target URLs and bad info are clear errors", async () => {
    await assert.rejects(HttpClassifier.connect("ftp://x"), /invalid target URL: expected http:\/\/ or https:\/\//);
    await assert.rejects(HttpClassifier.connect("not a url"), /invalid target URL/);
    const bad = await stub({ shape: [1, 2], bounds: [0, 1], classes: 2 });
    await assert.rejects(HttpClassifier.connect(bad.url), /\/v1\/info: expected \{"shape": \[c, h, w\]/);
    await bad.app.close();
  });
});

describe("HttpClassifier retries and failures", () => {
  test("a 429 is retried after its Retry-After, 5xx with backoff; only answered images count", async () => {
    const s = await stub(INFO, [{ status: 200 }, { status: 429, retryAfter: "1" }, { status: 503 }, { status: 500 }]);
    try {
      const c = await HttpClassifier.connect(s.url, { backoffMs: 10 });
      s.posts.length = 0;
      const t0 = performance.now();
      const labels = await c.predict(images(0.9, 0.1, 0.8, 0.2), 4);
      const seconds = (performance.now() - t0) / 1000;
      assert.deepEqual([...labels], [1, 0, 1, 0]);
      assert.deepEqual(s.posts, [3, 1, 1, 1, 1]); // 3 answered, then 1 image asked 4 times
      assert.equal(c.forwardPasses, 4);
      assert.deepEqual(c.requests, { answered: 2, retries: 3 });
      assert.ok(seconds >= 0.95 && seconds < 5, `took ${seconds} s, expected the 1 s Retry-After`);
    } finally {
      await s.app.close();
    }
  });

  test("retries are bounded: after `retries` 5xx answers the error names the status and the server's message", async () => {
    const s = await stub(INFO, Array(10).fill({ status: 502 }));
    try {
      const c = await HttpClassifier.connect(s.url, { retries: 2, backoffMs: 5 });
      await assert.rejects(c.predict(images(0.9), 1), /POST http:\/\/127\.0\.0\.1:\d+\/v1\/classify answered 502: scripted 502 \(after 2 retries\)/);
      assert.equal(c.forwardPasses, 0);
      assert.equal(s.posts.length, 3);
    } finally {
      await s.app.close();
    }
  });

  test("a Retry-After longer than maxWaitMs, a 4xx, a timeout and a refused connection are clear errors, not retried", async () => {
    const s = await stub(INFO, [{ status: 429, retryAfter: "3600" }, { status: 400 }, { status: 200, hang: true }]);
    try {
      const c = await HttpClassifier.connect(s.url, { timeoutMs: 300 });
      await assert.rejects(c.predict(images(0.9), 1), /answered 429 with Retry-After 3600 s, longer than the 30 s this client waits/);
      await assert.rejects(c.predict(images(0.9), 1), /answered 400: scripted 400$/);
      await assert.rejects(c.predict(images(0.9), 1), /no answer from http:\/\/127\.0\.0\.1:\d+\/v1\/classify within 0\.3 s/);
      assert.equal(s.posts.length, 3);
    } finally {
      await s.app.close();
    }
    await assert.rejects(HttpClassifier.connect(s.url), /cannot reach http:\/\/127\.0\.0\.1:\d+\/v1\/info: connection refused \(is `rsbench serve` running there\?\)/);
  });
});

test("a GET is sent again once after a connection error (a kept-alive socket the server closed); a POST never is", async () => {
  const { createServer } = await import("node:http");
  let gets = 0, posts = 0;
  // The first GET and every POST lose their socket without an answer ("other side closed").
  const server = createServer((request, response) => {
    if (request.method === "GET" && ++gets > 1) {
      response.setHeader("content-type", "application/json");
      response.end(JSON.stringify(INFO));
      return;
    }
    if (request.method === "POST") posts++;
    request.socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const remote = await HttpClassifier.connect(url, { backoffMs: 1 });
    assert.equal(gets, 2);
    assert.deepEqual(remote.info, INFO);
    await assert.rejects(remote.predict(images(0.9), 1), /cannot reach .*\/v1\/classify/);
    assert.equal(posts, 1, "the POST is not sent again: the server may have counted its images");
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
