import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import type { LabeledImages } from "../../src/data/index.js";
import { LinearClassifier } from "../../src/model/index.js";
import { checkModelData, listModels, loadModel, MODEL_NAMES, resolveModel, selectionCoverage } from "../../src/zoo/index.js";

const SHAPE = { channels: 1, height: 28, width: 28 };

function images(shape: { channels: number; height: number; width: number }, classNames: string[]): LabeledImages {
  const d = shape.channels * shape.height * shape.width;
  return { source: "test-set", shape, count: 1, images: new Float32Array(d), labels: new Int32Array(1), indices: new Int32Array(1), classNames };
}

describe("model zoo catalog and loading", () => {
  it("lists the eight shipped models: standard, randtrain-0.25/0.5 and advtrain per dataset", () => {
    const models = listModels();
    assert.deepEqual(models.map((m) => m.name), [
      "fashion-mnist-standard", "fashion-mnist-randtrain-0.25", "fashion-mnist-randtrain-0.5", "fashion-mnist-advtrain",
      "mnist-standard", "mnist-randtrain-0.25", "mnist-randtrain-0.5", "mnist-advtrain",
    ]);
    assert.deepEqual(models.filter((m) => m.kind === "randtrain").map((m) => m.sigma), [0.25, 0.5, 0.25, 0.5]);
    assert.ok(models.filter((m) => m.kind !== "randtrain").every((m) => m.sigma === undefined));
  });

  it("rejects an unknown model name, listing the shipped ones", async () => {
    await assert.rejects(loadModel("resnet50"), new RegExp(`unknown model "resnet50": expected one of ${MODEL_NAMES.join(", ")}, or a path to an \\.onnx file`));
  });

  it("takes a path to any .onnx file, named after the file", async () => {
    assert.deepEqual(resolveModel("/tmp/some/net.onnx"), { name: "net", path: "/tmp/some/net.onnx", shipped: false });
    await assert.rejects(loadModel("/tmp/does-not-exist/net.onnx"), /model file not found/);
  });

  it("loads a shipped model by name with its 1x28x28 input and 10 classes", async () => {
    const model = await loadModel("mnist-standard", { threads: 1 });
    try {
      assert.equal(model.name, "mnist-standard");
      assert.deepEqual(model.classifier.shape, SHAPE);
      assert.equal(model.classifier.numClasses, 10);
    } finally {
      await model.classifier.dispose();
    }
  });

  it("states both shapes when a model does not fit the data, and rejects more classes than the model has", () => {
    const classifier = new LinearClassifier({ channels: 3, height: 32, width: 32 }, new Float32Array(3 * 32 * 32), 0);
    assert.throws(
      () => checkModelData({ name: "rgb-net", classifier }, images(SHAPE, ["a", "b"])),
      /model rgb-net takes 3x32x32 images but test-set has 1x28x28 images; pass --resize/,
    );
    const binary = new LinearClassifier(SHAPE, new Float32Array(784), 0);
    assert.throws(() => checkModelData({ name: "binary", classifier: binary }, images(SHAPE, ["a", "b", "c"])), /model binary has 2 classes but test-set has labels beyond its 2 classes \(expected labels 0 to 1\): "c" -> 2; fix the class map/);
    // A class map's label 12 on a 10-class model: the unnamed labels between are not listed as empty names (issue 26).
    const ten = new LinearClassifier(SHAPE, new Float32Array(784), 0);
    Object.defineProperty(ten, "numClasses", { value: 10 });
    const mapped = ["a", "b", ...new Array<string>(10).fill(""), "cat"];
    assert.throws(() => checkModelData({ name: "ten", classifier: ten }, images(SHAPE, mapped)), (error: Error) => {
      assert.match(error.message, /model ten has 10 classes but test-set has labels beyond its 10 classes \(expected labels 0 to 9\): "cat" -> 12; fix the class map/);
      assert.doesNotMatch(error.message, /, ,/);
      return true;
    });
    checkModelData({ name: "binary", classifier: binary }, images(SHAPE, ["a", "b"]));
  });
});

describe("selectionCoverage", () => {
  it("warns when the selected images cover fewer classes than they could, and points to --sample (issue 26)", () => {
    const set = (labels: number[], names: string[]) => ({ ...images(SHAPE, names), count: labels.length, labels: Int32Array.from(labels) });
    assert.equal(
      selectionCoverage(set([0, 0, 0, 0], ["airplane", "bird", "cat"]), 10),
      "the 4 selected images cover 1 of the model's 10 classes (airplane): --count takes the first images of the listing (a folder's: sorted by class); --sample 4 draws them at random across classes",
    );
    assert.equal(selectionCoverage(set([0, 1, 2], ["a", "b", "c"]), 10), null, "3 images of 3 classes: all they could");
    assert.equal(selectionCoverage(set([0, 1, 0, 1], ["a", "b"]), 2), null);
  });
});

describe("selectionCoverage with a class map", () => {
  it("does not warn when the folder holds only the classes the selection covers", () => {
    const set = { ...images(SHAPE, ["", "1-pos"]), count: 4, labels: Int32Array.from([1, 1, 1, 1]) };
    assert.equal(selectionCoverage(set, 2), null);
  });
});
