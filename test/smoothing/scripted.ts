import type { Classifier, Votes } from "../../src/model/index.js";
import { oneHotVotes } from "../../src/model/index.js";

/** Pixel spacing between the points of a Scripted classifier: far beyond any noise the tests add. */
export const POINT_SPACING = 10;

/**
 * A base classifier whose answers are fixed in advance, per point and per noisy copy: the j-th
 * noisy copy of point p it sees is labelled `scripts[p][j]`, whatever the noise, the batching or
 * where a vote stops early. Point p is the image filled with p * POINT_SPACING (see `scriptedPoints`);
 * the classifier recognises it from the first pixel, so the noise must stay well below
 * POINT_SPACING / 2 (sigma <= 0.01 in the tests: 500 sigma). Running past a script is an error.
 */
export class Scripted implements Classifier {
  readonly shape = { channels: 1, height: 8, width: 8 };
  readonly bounds = { lower: 0, upper: 1 };
  forwardPasses = 0;
  private readonly seen: number[];

  constructor(readonly numClasses: number, private readonly scripts: readonly (readonly number[])[]) {
    this.seen = scripts.map(() => 0);
  }

  async predict(batch: Float32Array, count: number): Promise<Int32Array> {
    const out = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const p = Math.round(batch[i * 64] / POINT_SPACING);
      const script = this.scripts[p];
      if (script === undefined) throw new Error(`Scripted: no point ${p} (pixel ${batch[i * 64]})`);
      const j = this.seen[p]++;
      if (j >= script.length) throw new Error(`Scripted: point ${p} asked for copy ${j + 1}, its script has ${script.length}`);
      out[i] = script[j];
    }
    this.forwardPasses += count;
    return out;
  }

  async votes(batch: Float32Array, count: number): Promise<Votes> {
    return oneHotVotes(await this.predict(batch, count), this.numClasses);
  }
}

/** Points 0 .. count - 1 of a Scripted classifier, packed. */
export function scriptedPoints(count: number): Float32Array {
  const out = new Float32Array(count * 64);
  for (let p = 0; p < count; p++) out.fill(p * POINT_SPACING, p * 64, (p + 1) * 64);
  return out;
}

/** A script written as a string of class digits: "2210" is [2, 2, 1, 0]. */
export function script(digits: string): number[] {
  return Array.from(digits, Number);
}
