/**
 * The whole pipeline at ImageNet size (3x224x224) in CI, on the committed tiny224 fixture (same
 * input contract as the ResNet exports of training/export_resnet.py: pixels in [0, 1], ImageNet
 * normalisation inside the model): certify, the three attacks with and without RS, a 2-image
 * experiment run, its report and figures. The fixture's logits are linear in the pixels, so the
 * labels, the certified radius and the boundary distances are known in closed form.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import quantile from "@stdlib/stats-base-dists-normal-quantile";
import { loadData } from "../../src/data/index.js";
import { OnnxClassifier } from "../../src/model/index.js";
import { SmoothedClassifier } from "../../src/smoothing/index.js";
import { createRandom } from "../../src/rng/index.js";
import { json, rsbench, runCli } from "../cli/zooRun.js";
import { boundaryDistance, colourPixels, IMAGENET_MEAN, IMAGENET_STD, makeColourFolder, SIZE, TINY224 } from "./colourFolder.js";

const REFERENCE = JSON.parse(readFileSync(`${TINY224}.reference.json`, "utf8")) as { logits: number[][]; argmax: number[] };
const D = 3 * SIZE * SIZE;
let dir = "";
let data = "";

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "rsbench-224-"));
  data = await makeColourFolder(join(dir, "data"), 1);
});

after(() => rmSync(dir, { recursive: true, force: true }));

/** export_resnet.py's reference input: x[k, c, h, w] = ((k * 31 + c * 7 + h * 3 + w * 5) mod 256) / 255. */
function referenceInput(count: number): Float32Array {
  const x = new Float32Array(count * D);
  for (let k = 0, o = 0; k < count; k++) for (let c = 0; c < 3; c++) for (let h = 0; h < SIZE; h++) for (let w = 0; w < SIZE; w++, o++) {
    x[o] = ((k * 31 + c * 7 + h * 3 + w * 5) % 256) / 255;
  }
  return x;
}

test("tiny224: PyTorch's reference logits are the closed-form channel means, and onnxruntime agrees on the labels", async () => {
  const x = referenceInput(2);
  const plane = SIZE * SIZE;
  for (let k = 0; k < 2; k++) {
    for (let c = 0; c < 3; c++) {
      let s = 0;
      for (let i = 0; i < plane; i++) s += x[k * D + c * plane + i];
      assert.ok(Math.abs(REFERENCE.logits[k][c] - (s / plane - IMAGENET_MEAN[c]) / IMAGENET_STD[c]) < 1e-5, `logit ${k},${c}`);
    }
  }
  const model = await OnnxClassifier.load(TINY224);
  assert.deepEqual(model.shape, { channels: 3, height: 224, width: 224 });
  assert.equal(model.numClasses, 3);
  assert.equal(model.maxBatch, 27, "the default batch at 224 is capped at 2^22 input values");
  assert.deepEqual(Array.from(await model.predict(x, 2)), REFERENCE.argmax);
  const set = await loadData(data);
  assert.deepEqual(Array.from(set.labels), [0, 1, 2]);
  assert.deepEqual(Array.from(await model.predict(set.images, set.count)), [0, 1, 2]);
  const g = new SmoothedClassifier(model, { sigma: 0.25, n: 3, random: createRandom(1) });
  assert.equal(g.batchSize, 27);
  assert.deepEqual(Array.from(await g.predict(set.images, set.count)), [0, 1, 2]);
  await model.dispose();
});

test("rsbench certify at 224: every image certified at sigma * Phi^-1(alpha^(1/n)), all n draws right", async () => {
  const out = json(await rsbench("certify", "--model", TINY224, "--data", data, "--sigma", "0.25", "--n0", "10", "--n", "100", "--json"));
  assert.equal(out.summary.images, 3);
  assert.equal(out.summary.forwardPasses, 3 * (1 + 10 + 100)); // the clean prediction, n0, n
  const pLower = Math.pow(0.001, 1 / 100); // one-sided Clopper-Pearson bound with 100 of 100 draws right
  for (const image of out.images) {
    assert.equal(image.correct, true);
    assert.ok(Math.abs(image.pABar - pLower) < 1e-9, `pABar ${image.pABar}`);
    assert.ok(Math.abs(image.radius - 0.25 * quantile(pLower, 0, 1)) < 1e-9, `radius ${image.radius}`);
  }
});

for (const attack of ["hsja", "surfree", "rays"]) {
  for (const rs of [false, true]) {
    test(`rsbench attack ${attack} ${rs ? "against g(0.25, 2)" : "without RS"} at 224: successes no closer than the closed-form boundary`, async () => {
      const queries = 25;
      const args = ["attack", "--model", TINY224, "--data", data, "--attack", attack, "--queries", String(queries), "--json"];
      // SurFree's own start (x + 0.5 N(0, I), clipped) keeps the mean colour, hence the class, of
      // these images: it starts from the nearest image of another class instead.
      if (attack === "surfree") args.push("--start", "data");
      if (rs) args.push("--sigma", "0.25", "--n", "2", "--verify", "5");
      const out = json(await runCli(args));
      assert.equal(out.images.length, 3);
      for (const record of out.images) {
        assert.equal(record.status, "attacked");
        assert.equal(record.success, true, `image ${record.image}`);
        assert.ok(record.queries <= queries);
        // g(0.25, 2) behind the label oracle stops a query after one draw once its answer is settled.
        if (rs) assert.ok(record.forwardPasses >= record.queries && record.forwardPasses <= 2 * record.queries, `forward passes ${record.forwardPasses}`);
        else assert.equal(record.forwardPasses, record.queries);
        const bound = boundaryDistance(colourPixels(record.label, 0), record.label);
        // The noise of one draw moves the logit margin by N(0, sigma^2 ||w||^2): sigma in distance.
        const slack = rs ? 6 * 0.25 : 0;
        assert.ok(record.l2 >= bound.l2 - slack, `L2 ${record.l2} below the boundary distance ${bound.l2}`);
        // In Linf the same noise is worth sigma ||w||_2 / ||w||_1 <= sigma / sqrt(P) = sigma / 224.
        assert.ok(record.linf >= bound.linf - (rs ? 6 * 0.25 / SIZE : 0), `Linf ${record.linf} below ${bound.linf}`);
        if (rs) assert.ok(record.verification.calls >= 1 && record.verification.calls <= 5);
      }
    });
  }
}

test("rsbench run + report at 224: a 2-image grid (3 attacks, with and without RS, certification, Figs. 1-5)", async () => {
  const model = TINY224;
  const config = {
    name: "tiny224", seed: 0,
    data: { dataset: data, count: 2 },
    accuracy: { dataset: data, count: 3 },
    defenses: [{ name: "none", model }, { name: "rs", model, sigma: 0.25, n: 2 }],
    attacks: [{ name: "hsja", norm: "l2", budget: 20 }, { name: "surfree", norm: "l2", budget: 20, start: "data" }, { name: "rays", norm: "linf", budget: 20 }],
    certification: { n0: 10, n: 50, alpha: 0.001 },
    figures: {
      include: ["fig1", "fig2", "fig3", "fig4", "fig5"], images: 1, defense: "rs",
      // maxDistance 400: the boundary is at L2 68-89 here, beyond the default's 100 along an attack direction.
      options: {
        fig1: { ns: [2, 5], draws: 20, points: 5, maxDistance: 400, attackBudget: 20 },
        fig2: { ns: [2], resolution: 5, maxDistance: 400, attackBudget: 20 },
        fig3: { ns: [2, 5], repetitions: 3, referenceDraws: 20, maxDistance: 400, attackBudget: 20 },
      },
    },
    batchSize: 50,
  };
  const path = join(dir, "tiny224.json"), out = join(dir, "run");
  writeFileSync(path, JSON.stringify(config));
  const run = await runCli(["run", path, "--out", out], { timeout: 300_000 });
  assert.equal(run.code, 0, run.stderr);
  const records = readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
  const kinds = (kind: string) => records.filter((r) => r.kind === kind);
  assert.equal(kinds("attack").length, 2 * 2 * 3);
  assert.ok(kinds("attack").every((r) => r.success === true));
  assert.equal(kinds("certification").length, 2);
  assert.ok(kinds("certification").every((r) => r.outcome.status === "certified" && r.outcome.prediction === r.label));
  assert.deepEqual(kinds("figure").map((r) => r.figure).sort(), ["fig1", "fig2", "fig3"]);
  assert.deepEqual(kinds("accuracy").map((r) => r.accuracy), [1, 1]);
  const report = await runCli(["report", out]);
  assert.equal(report.code, 0, report.stderr);
  for (const f of ["fig1-image0-rs", "fig2-image0-rs", "fig3-image0-rs", "fig4", "fig5"]) {
    assert.ok(existsSync(join(out, "figures", `${f}.svg`)), `${f}.svg`);
  }
  assert.ok(existsSync(join(out, "report.html")));
});
