import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { runExperiment } from "../../src/experiments/execute/runner.js";
import type { Classifier } from "../../src/model/classifier.js";
import { loadModel } from "../../src/zoo/load.js";
import { createServer, type ServeOptions } from "../../src/serve/server.js";

/** The shipped Fashion-MNIST model served on 127.0.0.1:port (0: any), without keys. */
async function serveModel(classifier: Classifier, port: number, disclose?: ServeOptions["disclose"]) {
  const app = await createServer({ classifier, ...(disclose ? { disclose } : {}) });
  const url = await app.listen({ host: "127.0.0.1", port });
  return { url, port: Number(new URL(url).port), close: () => app.close() };
}

test("a run on a remote endpoint records its GET /v1/info in run.json; a resume against a server that answers otherwise at the same URL is refused, naming both answers", { timeout: 120_000 }, async () => {
  const root = mkdtempSync(join(tmpdir(), "rsbench-endpoint-"));
  const { classifier } = await loadModel("fashion-mnist-standard", { threads: 1 });
  const first = await serveModel(classifier, 0);
  const url = first.url;
  let second: Awaited<ReturnType<typeof serveModel>> | null = null;
  const config = {
    name: "endpoint-fingerprint", seed: 1, data: { dataset: "fashion-mnist", count: 2 }, accuracy: { dataset: "fashion-mnist", count: 3 },
    defenses: [{ name: "api", target: url }], attacks: [{ name: "rays", budget: 10, verify: 0 }], figures: { include: [] },
  };
  const out = join(root, "run");
  try {
    await runExperiment(config as never, { out, workers: 1 });
    const manifest = JSON.parse(readFileSync(join(out, "run.json"), "utf8")) as { inputs: { endpoints?: Record<string, { url: string; info: unknown; sha256: string }> } };
    assert.deepEqual(manifest.inputs.endpoints?.[url]?.info, { shape: [1, 28, 28], bounds: [0, 1], classes: 10, maxBatch: 256 });
    assert.match(manifest.inputs.endpoints[url].sha256, /^[0-9a-f]{64}$/);
    // The same server: the resume goes through (nothing left to run).
    const same = await runExperiment(config as never, { out, workers: 1 });
    assert.equal(same.executed, 0);
    await first.close();
    // Another server at the same URL, disclosing a defense: refused before anything runs.
    second = await serveModel(classifier, first.port, { sigma: 0.25, n: 10 });
    await assert.rejects(runExperiment(config as never, { out, workers: 1 }), (error: Error) => {
      assert.match(error.message, /the inputs changed since the run started/);
      assert.ok(error.message.includes(`endpoint ${url}: GET /v1/info answered {"bounds":[0,1],"classes":10,"maxBatch":256,"shape":[1,28,28]} when the run started, now {"bounds":[0,1],"classes":10,"maxBatch":256,"n":10,"shape":[1,28,28],"sigma":0.25}`), error.message);
      return true;
    });
  } finally {
    await first.close();
    await second?.close();
    await classifier.dispose?.();
    rmSync(root, { recursive: true, force: true });
  }
});
