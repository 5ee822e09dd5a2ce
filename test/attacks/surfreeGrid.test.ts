import assert from "node:assert/strict";
import { test } from "node:test";
import { onGrid, quantizationGrid } from "../../src/attacks/surfree.js";
import { createRandom } from "../../src/rng/xoshiro.js";

// The official SurFree rounds each query to the 8-bit grid lower + round((c - lower) / step) step,
// step = (upper - lower) / 255. The table lookup must give exactly that value for every float32 c
// in the bounds: checked on random values and on the float32 neighbours of every level boundary.
const f32 = new Float32Array(1), bits = new Int32Array(f32.buffer);
function neighbour(c: number, up: boolean): number {
  f32[0] = c;
  if (c === 0) { bits[0] = up ? 1 : 0x80000001; return f32[0]; }
  bits[0] += (c > 0) === up ? 1 : -1;
  return f32[0];
}

for (const [lo, hi] of [[0, 1], [-1, 1], [0, 255], [-0.5, 0.625], [0.1, 0.7], [-2.1179039478302, 2.6399998664856]]) {
  test(`SurFree's 8-bit grid lookup equals the official rounding formula on [${lo}, ${hi}]`, () => {
    const lower = Math.fround(lo), upper = Math.fround(hi);
    const step = (upper - lower) / 255;
    const formula = (c: number) => lower + Math.round((c - lower) / step) * step;
    const g = quantizationGrid(lower, step, lower, upper);
    const random = createRandom(7, 1);
    let checked = 0;
    const check = (c: number) => {
      if (!(c >= lower && c <= upper)) return;
      assert.equal(onGrid(g, c), formula(c), `c = ${c}`);
      checked++;
    };
    for (let i = 0; i < 100_000; i++) check(Math.fround(lower + (upper - lower) * random.nextFloat()));
    check(lower);
    check(upper);
    for (let r = 0; r <= 256; r++) {
      // The midpoint between levels r and r + 1 and its float32 neighbours, two on each side.
      let c = Math.fround(lower + (r + 0.5) * step);
      check(c);
      for (let k = 0, u = c; k < 2; k++) check((u = neighbour(u, true)));
      for (let k = 0, u = c; k < 2; k++) check((u = neighbour(u, false)));
    }
    assert.ok(checked > 100_000, `${checked}`);
  });
}
