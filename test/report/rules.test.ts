import assert from "node:assert/strict";
import { test } from "node:test";
import { IMAGES_NEEDED_SHOWN, imagesNeededText } from "../../src/report/rules.js";

test("imagesNeededText gives a count up to 10000 images, and beyond it (or on the threshold) says no practical run decides it", () => {
  assert.equal(IMAGES_NEEDED_SHOWN, 10000);
  assert.equal(imagesNeededText(20, "cell"), "about 20 images per cell would decide it");
  assert.equal(imagesNeededText(10000, "comparison"), "about 10000 images per comparison would decide it");
  // The demo's conclusion 3 once printed "about 1600822 images per cell would decide it".
  assert.equal(imagesNeededText(1600822, "cell"), "an estimate sits almost on its threshold: more than 10000 images per cell would be needed");
  assert.equal(imagesNeededText(null, "cell"), "an estimate sits on its threshold: more images would not decide it");
});
