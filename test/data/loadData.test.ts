import { strict as assert } from "node:assert";
import { mkdtemp, mkdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import sharp from "sharp";
import { loadData, parseDataSpec, readCachedSplit, builtinDataset, imageAt } from "../../src/data/index.js";

describe("built-in datasets", () => {
  it("fashion-mnist and mnist split about 60k/10k and 8k/2k, stratified, with no image on both sides", async () => {
    for (const [name, train, test, fraction] of [
      ["fashion-mnist", 59954, 9991, 1 / 7],
      ["mnist", 8000, 2000, 1 / 5],
    ] as const) {
      const tr = await readCachedSplit(builtinDataset(name), "train");
      const te = await readCachedSplit(builtinDataset(name), "test");
      assert.equal(tr.labels.length, train);
      assert.equal(te.labels.length, test);
      for (let c = 0; c < 10; c++) {
        const nTest = te.meta.perClass.test[c];
        const nClass = nTest + te.meta.perClass.train[c];
        assert.equal(nTest, Math.round(nClass * fraction), `${name} class ${c}`);
        assert.equal(te.labels.filter((l) => l === c).length, nTest);
      }
      // No exact duplicate anywhere: every image of both splits is distinct.
      const seen = new Set<string>();
      for (const s of [tr, te]) {
        for (let i = 0; i < s.labels.length; i++) seen.add(Buffer.from(s.images.buffer, s.images.byteOffset + i * 784, 784).toString("latin1"));
      }
      assert.equal(seen.size, train + test, `${name}: duplicate images across or within the split`);
      // Disjoint source indices.
      const origins = new Set(tr.origin);
      assert.ok(!te.origin.some((o) => origins.has(o)));
    }
  });

  it("loads the test split by default as [0, 1] CHW float32 with labels, indices and class names", async () => {
    const d = await loadData("fashion-mnist");
    assert.equal(d.source, "fashion-mnist:test");
    assert.deepEqual(d.shape, { channels: 1, height: 28, width: 28 });
    assert.equal(d.count, 9991);
    assert.equal(d.images.length, 9991 * 784);
    assert.equal(d.classNames[9], "Ankle boot");
    let min = Infinity, max = -Infinity;
    for (let i = 0; i < d.images.length; i++) {
      min = Math.min(min, d.images[i]);
      max = Math.max(max, d.images[i]);
    }
    assert.equal(min, 0);
    assert.equal(max, 1);
    const train = await loadData("mnist:train", { selection: { count: 3 } });
    assert.equal(train.source, "mnist:train");
    assert.deepEqual(Array.from(train.indices), [0, 1, 2]);
  });

  it("selects by offset/count and by a seeded sample, with indices in the split", async () => {
    const all = await loadData("mnist");
    const part = await loadData("mnist", { selection: { offset: 10, count: 5 } });
    assert.deepEqual(Array.from(part.indices), [10, 11, 12, 13, 14]);
    assert.deepEqual(part.images, all.images.subarray(10 * 784, 15 * 784));
    const s1 = await loadData("mnist", { selection: { sample: 20, seed: 3 } });
    const s2 = await loadData("mnist", { selection: { sample: 20, seed: 3 } });
    assert.deepEqual(s1, s2);
    for (let i = 0; i < 20; i++) {
      assert.equal(s1.labels[i], all.labels[s1.indices[i]]);
      assert.deepEqual(imageAt(s1, i), imageAt(all, s1.indices[i]));
    }
  });

  it("rejects an unknown dataset or split, listing the valid names", async () => {
    await assert.rejects(loadData("cifar10"), /unknown dataset "cifar10": expected one of fashion-mnist, mnist \(optionally with :train or :test\), or a folder/);
    await assert.rejects(loadData("mnist:val"), /unknown split "val" of dataset mnist: expected mnist:train or mnist:test/);
    assert.deepEqual(parseDataSpec("fashion-mnist:train"), { kind: "builtin", name: "fashion-mnist", split: "train" });
  });

  it("states both shapes when the images do not fit, and resizes on request", async () => {
    const shape = { channels: 3, height: 32, width: 32 };
    await assert.rejects(loadData("mnist", { shape, selection: { count: 2 } }), /dataset mnist:test has shape 1x28x28 but 3x32x32 is expected; convert the images \(rsbench.s --resize flag/);
    const d = await loadData("mnist", { shape, resize: true, selection: { count: 2 } });
    assert.deepEqual(d.shape, shape);
    assert.equal(d.images.length, 2 * 3 * 32 * 32);
    // Greyscale to RGB: the three planes are equal.
    const img = imageAt(d, 0);
    assert.deepEqual(img.subarray(0, 1024), img.subarray(1024, 2048));
  });
});

describe("folder datasets", () => {
  let root = "";
  // Two classes, listed out of order on purpose; pixel (x, y) of image k of class c = 10c + 3k + x.
  before(async () => {
    root = await mkdtemp(join(tmpdir(), "rsbench-folder-"));
    for (const [c, label] of ["zebra", "apple"].entries()) {
      await mkdir(join(root, label));
      for (let k = 0; k < 2; k++) {
        const px = Buffer.alloc(4 * 3);
        for (let p = 0; p < 12; p++) px[p] = 10 * c + 3 * k + (p % 4);
        await sharp(px, { raw: { width: 4, height: 3, channels: 1 } }).toColourspace("b-w").png().toFile(join(root, label, `img${k}.png`));
      }
    }
    await sharp(Buffer.alloc(5 * 5 * 3, 200), { raw: { width: 5, height: 5, channels: 3 } }).png().toFile(join(root, "zebra", "z-big.png"));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("sorts classes and files by name and decodes greyscale PNGs to [0, 1] CHW", async () => {
    const d = await loadData(root, { selection: { count: 4 } });
    assert.deepEqual(d.classNames, ["apple", "zebra"]);
    assert.deepEqual(Array.from(d.labels), [0, 0, 1, 1]);
    assert.deepEqual(d.shape, { channels: 1, height: 3, width: 4 });
    // apple was written with c = 1, zebra with c = 0.
    assert.equal(Math.round(imageAt(d, 0)[1] * 255), 10 + 1);
    assert.equal(Math.round(imageAt(d, 1)[0] * 255), 10 + 3);
    assert.equal(Math.round(imageAt(d, 2)[3] * 255), 3);
  });

  it("rejects an image of another shape with both shapes, or resizes it", async () => {
    await assert.rejects(loadData(root), /z-big\.png has shape 3x5x5 but 1x3x4 is expected/);
    const d = await loadData(root, { shape: { channels: 1, height: 3, width: 4 }, resize: true });
    assert.equal(d.count, 5);
    assert.equal(d.source, root);
  });
});
