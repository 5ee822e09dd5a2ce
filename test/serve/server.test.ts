import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import sharp from "sharp";
import { float32ToBytes } from "../../src/model/http.js";
import { createRandom } from "../../src/rng/xoshiro.js";
import { SmoothedClassifier } from "../../src/smoothing/smoothed.js";
import { coalescing } from "../../src/serve/server.js";
import { call, classify, KEYS, linearModel, startServer, type Running } from "./fixture.js";

const D = 16; // the 1x4x4 linear model
const image = (v: number, count = 1) => new Float32Array(D * count).fill(v);

describe("rsbench serve: info, labels and auth", () => {
  let server: Running;
  before(async () => { server = await startServer(); });
  after(async () => { await server.close(); });

  test("GET /v1/info gives shape, bounds, classes and the batch limit, and no sigma or n", async () => {
    const a = await call(`${server.url}/v1/info`);
    assert.equal(a.status, 200);
    assert.deepEqual(a.body, { shape: [1, 4, 4], bounds: [0, 1], classes: 2, maxBatch: 256 });
  });

  test("POST /v1/classify answers {labels} only, in order, for octets, JSON base64 and PNG", async () => {
    const batch = new Float32Array([...image(0.2), ...image(0.9), ...image(0.4)]);
    const octets = await classify(server.url, batch);
    assert.equal(octets.status, 200);
    assert.deepEqual(octets.body, { labels: [0, 1, 0] });
    const images = [image(0.9), image(0.1)].map((x) => float32ToBytes(x).toString("base64"));
    const json = await call(`${server.url}/v1/classify`, { type: "application/json", body: JSON.stringify({ images }) });
    assert.deepEqual([json.status, json.body], [200, { labels: [1, 0] }]);
    const png = await sharp(Buffer.alloc(16, 230), { raw: { width: 4, height: 4, channels: 1 } }).png().toBuffer();
    const answer = await call(`${server.url}/v1/classify`, { type: "image/png", body: png });
    assert.deepEqual([answer.status, answer.body], [200, { labels: [1] }]); // 230/255 = 0.90
  });

  test("a request without a key, with a wrong one or another scheme gets 401 with a message", async () => {
    for (const [key, message] of [[null, /expected an Authorization: Bearer KEY header/], ["wrong-secret-0000000000", /unknown key/], [KEYS.alice.slice(0, -1), /unknown key/]] as const) {
      const a = await classify(server.url, image(0.9), key);
      assert.equal(a.status, 401);
      assert.match(a.body.error, message);
      assert.match(a.headers.get("www-authenticate") ?? "", /^Bearer/);
    }
    const basic = await call(`${server.url}/v1/info`, { key: null, type: undefined, method: "GET" });
    assert.equal(basic.status, 401);
    assert.equal((await classify(server.url, image(0.9), KEYS.bob)).status, 200);
    // Without a key the body is never read: an oversize one is a 401 too.
    assert.equal((await classify(server.url, image(0.5, 1000), null)).status, 401);
  });

  test("the audit log names the key ID, never its secret, with images, status and sha256 of the images", async () => {
    const lines = await server.close();
    server = await startServer(); // for after()
    const text = JSON.stringify(lines);
    assert.ok(!text.includes(KEYS.alice) && !text.includes(KEYS.bob), "a secret is in the log");
    const octets = lines.find((l) => l.status === 200 && l.images === 3)!;
    assert.equal(octets.key, "alice");
    // sha256 of the three images' float32 LE bytes, computed independently.
    const { createHash } = await import("node:crypto");
    const expected = createHash("sha256").update(float32ToBytes(new Float32Array([...image(0.2), ...image(0.9), ...image(0.4)]))).digest("hex");
    assert.equal(octets.sha256, expected);
    assert.ok(lines.some((l) => l.status === 401 && l.key === null && l.images === 0 && l.sha256 === null));
    assert.ok(lines.some((l) => l.status === 200 && l.key === "bob" && l.images === 1));
    for (const l of lines) assert.match(l.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe("rsbench serve: malformed and oversize payloads are 4xx with a message", () => {
  let server: Running;
  before(async () => { server = await startServer({ maxBatch: 4 }); });
  after(async () => { await server.close(); });

  const cases: ReadonlyArray<readonly [string, string | undefined, string | Uint8Array, number, RegExp]> = [
    ["NaN", "application/octet-stream", float32ToBytes(new Float32Array(D).fill(NaN)), 400, /image 0, value 0: expected a finite number in \[0, 1\] \(the model's bounds\), got NaN/],
    ["out of bounds", "application/octet-stream", float32ToBytes(Object.assign(image(0.5), { 7: 1.5 })), 400, /image 0, value 7: .* got 1.5/],
    ["Infinity in image 1", "application/octet-stream", float32ToBytes(Object.assign(image(0.5, 2), { 20: -Infinity })), 400, /image 1, value 4: .* got -Infinity/],
    ["wrong size", "application/octet-stream", new Uint8Array(63), 400, /whole number of 1x4x4 float32 images \(64 bytes each\), got 63 bytes/],
    ["empty", "application/octet-stream", new Uint8Array(0), 400, /expected a body, got none|got 0 bytes/],
    ["bad base64", "application/json", JSON.stringify({ images: ["@@@@"] }), 400, /images\[0\]: expected standard base64/],
    ["short base64", "application/json", JSON.stringify({ images: ["AAAA"] }), 400, /images\[0\]: expected 64 bytes \(1x4x4 float32\), got 3/],
    ["bad JSON", "application/json", "{\"images\": [", 400, /got invalid JSON/],
    ["extra field", "application/json", JSON.stringify({ images: [], scores: true }), 400, /expected only the field "images", got "scores"/],
    ["no images", "application/json", JSON.stringify({ images: [] }), 400, /expected at least one image, got none/],
    ["not a string", "application/json", JSON.stringify({ images: [3] }), 400, /images\[0\]: expected a base64 string, got number/],
    ["array body", "application/json", "[1,2]", 400, /expected a JSON object .* got an array/],
    ["prototype pollution", "application/json", '{"__proto__": {"x": 1}, "images": []}', 400, /expected only the field "images", got "__proto__"/],
    ["not a PNG", "image/png", "GIF89a......", 400, /does not decode/],
    ["unknown type", "text/plain", "hello", 415, /unsupported Content-Type "text\/plain": expected application\/json, image\/png, application\/octet-stream/],
    ["no type", undefined, "hello", 415, /unsupported Content-Type/],
    ["too many images", "application/octet-stream", float32ToBytes(image(0.5, 5)), 413, /body too large: expected at most 256 bytes for application\/octet-stream/],
    ["too many in JSON", "application/json", JSON.stringify({ images: Array(5).fill(float32ToBytes(image(0.5)).toString("base64")) }), 413, /expected at most 4 images per request \(--max-batch\), got 5/],
    ["oversize JSON", "application/json", JSON.stringify({ images: ["A".repeat(20_000)] }), 413, /body too large: expected at most \d+ bytes for application\/json/],
  ];
  for (const [name, type, body, status, message] of cases) {
    test(`${name}: ${status}`, async () => {
      const a = await call(`${server.url}/v1/classify`, { type, body });
      assert.equal(a.status, status, JSON.stringify(a.body));
      assert.match(a.body.error, message);
    });
  }

  test("a PNG of the wrong size is refused, never resized", async () => {
    const png = await sharp(Buffer.alloc(25, 10), { raw: { width: 5, height: 5, channels: 1 } }).png().toBuffer();
    const a = await call(`${server.url}/v1/classify`, { type: "image/png", body: png });
    assert.deepEqual([a.status, a.body], [400, { error: "expected a PNG of 4x4 pixels, got 5x5 (images are never resized)" }]);
  });

  test("unknown routes are 404 with the routes that exist", async () => {
    const a = await call(`${server.url}/v1/scores`);
    assert.deepEqual([a.status, a.body], [404, { error: "no route GET /v1/scores: expected GET /v1/info or POST /v1/classify" }]);
  });

  test("a fuzz of 300 random bodies: every answer is a 4xx with a message, and the server stays up", async () => {
    const random = createRandom(14);
    const types = ["application/json", "application/octet-stream", "image/png", "text/plain", "application/json; charset=utf-8", "application/x-www-form-urlencoded"];
    const pick = (k: number) => Math.floor(random.nextFloat() * k);
    const statuses = new Map<number, number>();
    const started = performance.now();
    for (let i = 0; i < 300; i++) {
      const length = pick(4) === 0 ? pick(2000) : pick(80);
      const bytes = new Uint8Array(length).map(() => pick(256));
      let body: string | Uint8Array = bytes;
      switch (pick(5)) {
        case 0: body = JSON.stringify({ images: [Buffer.from(bytes).toString("base64")] }); break; // base64 of random bytes
        case 1: body = JSON.stringify({ images: Array.from({ length: pick(6) }, () => Buffer.from(bytes).toString("base64").slice(0, pick(100))) }); break;
        case 2: body = Buffer.from(bytes).toString("latin1"); break; // random text
        case 3: body = float32ToBytes(new Float32Array(D * (1 + pick(3))).map(() => (random.nextFloat() - 0.25) * 4)); break; // floats out of [0, 1]
      }
      const a = await call(`${server.url}/v1/classify`, { type: types[pick(types.length)], body });
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      assert.ok(a.status >= 400 && a.status < 500, `body ${i}: status ${a.status}, ${JSON.stringify(a.body)}`);
      assert.equal(typeof a.body.error, "string", `body ${i}: no message`);
      assert.ok(a.body.error.length > 0);
    }
    assert.ok(performance.now() - started < 30_000, "the fuzz took over 30 s");
    assert.ok((statuses.get(400) ?? 0) > 50 && (statuses.get(415) ?? 0) > 50, `statuses ${JSON.stringify([...statuses])}`);
    assert.deepEqual((await classify(server.url, image(0.9))).body, { labels: [1] });
  });
});

describe("rsbench serve: per-key rate and quota", () => {
  test("beyond --rate requests in a second a key gets 429 with Retry-After, other keys are unaffected", async () => {
    const server = await startServer({ rate: 3 });
    try {
      const answers = [];
      for (let i = 0; i < 5; i++) answers.push(await call(`${server.url}/v1/info`));
      assert.deepEqual(answers.map((a) => a.status), [200, 200, 200, 429, 429]);
      assert.match(answers[3].body.error, /rate limit: at most 3 requests per second per key; retry after 1 second/);
      assert.equal(answers[3].headers.get("retry-after"), "1");
      assert.equal((await call(`${server.url}/v1/info`, { key: KEYS.bob })).status, 200);
      // Requests without a valid key are limited per address: guessing keys is rate-limited too.
      const guesses = [];
      for (let i = 0; i < 5; i++) guesses.push((await call(`${server.url}/v1/info`, { key: `guess-${i}-0000000000000` })).status);
      assert.deepEqual(guesses, [401, 401, 401, 429, 429]);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      assert.equal((await call(`${server.url}/v1/info`)).status, 200);
    } finally {
      const lines = await server.close();
      assert.equal(lines.filter((l) => l.status === 429).length, 4);
    }
  });

  test("--quota counts images per key: a request beyond it gets 403 and no answer", async () => {
    const server = await startServer({ quota: 5 });
    try {
      assert.equal((await classify(server.url, image(0.9, 3))).status, 200);
      const over = await classify(server.url, image(0.9, 3));
      assert.deepEqual([over.status, over.body], [403, { error: "quota exhausted: key alice has 2 of 5 images left, this request asks 3" }]);
      assert.equal((await classify(server.url, image(0.9, 2))).status, 200);
      assert.equal((await classify(server.url, image(0.9, 1))).status, 403);
      assert.equal((await classify(server.url, image(0.9, 5), KEYS.bob)).status, 200);
    } finally {
      const lines = await server.close();
      assert.deepEqual(lines.filter((l) => l.status === 200 && l.images > 0).map((l) => [l.key, l.images]), [["alice", 3], ["alice", 2], ["bob", 5]]);
    }
  });
});

describe("rsbench serve: noise, disclosure and shutdown", () => {
  test("--disclose adds sigma and n to /v1/info", async () => {
    const classifier = new SmoothedClassifier(linearModel(), { sigma: 0.25, n: 10, random: createRandom(1) });
    const server = await startServer({ classifier, disclose: { sigma: 0.25, n: 10 } });
    try {
      assert.deepEqual((await call(`${server.url}/v1/info`)).body, { shape: [1, 4, 4], bounds: [0, 1], classes: 2, maxBatch: 256, sigma: 0.25, n: 10 });
    } finally {
      await server.close();
    }
  });

  test("the same seed gives the same labels for the same requests; another seed other labels", async () => {
    const labels = async (seed: number) => {
      const classifier = new SmoothedClassifier(linearModel(), { sigma: 0.5, n: 1, random: createRandom(seed) });
      const server = await startServer({ classifier });
      try {
        const out: number[] = [];
        for (let i = 0; i < 4; i++) out.push(...(await classify(server.url, image(0.5, 16))).body.labels);
        return out;
      } finally {
        await server.close();
      }
    };
    const a = await labels(3), b = await labels(3), c = await labels(4);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    // At the boundary with one draw, each label is a fair coin: both appear.
    assert.ok(a.includes(0) && a.includes(1));
  });

  test("close() finishes an in-flight request before the server stops, and new connections are refused", async () => {
    const base = linearModel();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const slow = Object.assign(Object.create(base), { predict: async (b: Float32Array, c: number) => { await gate; return base.predict(b, c); } });
    const server = await startServer({ classifier: slow });
    const inFlight = classify(server.url, image(0.9));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = server.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    const answer = await inFlight;
    assert.deepEqual([answer.status, answer.body], [200, { labels: [1] }]);
    const lines = await closing;
    assert.deepEqual(lines.map((l) => [l.status, l.images]), [[200, 1]]);
    await assert.rejects(classify(server.url, image(0.9)));
  });
});

describe("rsbench serve under load", () => {
  test("20 concurrent clients for 2 s: no errors, every answer the right labels, the log one line per request", async () => {
    const server = await startServer({ rate: 10_000 });
    const seconds = 2, clients = 20;
    let requests = 0, errors = 0, wrong = 0;
    try {
      const deadline = performance.now() + seconds * 1000;
      await Promise.all(Array.from({ length: clients }, async (_, c) => {
        // Bounded in count as well as in time.
        for (let i = 0; i < 2000 && performance.now() < deadline; i++) {
          const high = (c + i) % 2 === 1;
          const a = await classify(server.url, new Float32Array([...image(high ? 0.9 : 0.1), ...image(high ? 0.1 : 0.9)]), c % 2 ? KEYS.alice : KEYS.bob);
          requests++;
          if (a.status !== 200) errors++;
          else if (a.body.labels[0] !== (high ? 1 : 0) || a.body.labels[1] !== (high ? 0 : 1)) wrong++;
        }
      }));
    } finally {
      const lines = await server.close();
      assert.equal(lines.length, requests);
      assert.equal(lines.reduce((s, l) => s + l.images, 0), 2 * requests);
    }
    assert.deepEqual({ errors, wrong }, { errors: 0, wrong: 0 });
    assert.ok(requests >= clients, `${requests} requests`);
  });
});

test("coalescing merges the requests that wait for the model into one call, in arrival order, each getting its own labels", async () => {
  const base = linearModel();
  const calls: number[] = [];
  const recording = Object.assign(Object.create(base), {
    predict: async (b: Float32Array, c: number) => { calls.push(c); await new Promise((r) => setTimeout(r, 20)); return base.predict(b, c); },
  });
  const classify = coalescing(recording, 5);
  const answers = await Promise.all([
    classify(image(0.9), 1),
    classify(new Float32Array([...image(0.1), ...image(0.9)]), 2),
    classify(image(0.2, 2), 2),
    classify(image(0.8, 3), 3), // would pass 5 images with the two before: next call
  ]);
  assert.deepEqual(answers.map((a) => [...a]), [[1], [0, 1], [0, 0], [1, 1, 1]]);
  assert.deepEqual(calls, [1, 4, 3]);
});
