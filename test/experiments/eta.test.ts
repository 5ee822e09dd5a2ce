import assert from "node:assert/strict";
import { test } from "node:test";
import { costClass, RunEta } from "../../src/experiments/execute/eta.js";
import type { WorkItem } from "../../src/experiments/plan/grid.js";

/** Attack items of one (attack, n) class, keyed `${tag}/i`: only the fields costClass reads. */
function attacks(tag: string, count: number, name: string, n: number | null): WorkItem[] {
  return Array.from({ length: count }, (_, i) => ({
    kind: "attack", key: `${tag}/${i}`, attack: { name, budget: 2000 }, defense: { n },
  }) as unknown as WorkItem);
}

test("costClass groups items that cost alike", () => {
  const [a] = attacks("a", 1, "hsja", 10), [b] = attacks("b", 1, "hsja", 100), [c] = attacks("c", 1, "rays", 10), [d] = attacks("d", 1, "hsja", null);
  assert.deepEqual([a, b, c, d].map(costClass), ["attack/hsja/2000/n=10", "attack/hsja/2000/n=100", "attack/rays/2000/n=10", "attack/hsja/2000/n=none"]);
  assert.equal(costClass({ kind: "certification", key: "x" } as unknown as WorkItem), "certification");
});

test("the ETA weighs pending items by their class's measured seconds, and by the prior cost until measured", () => {
  const cheap = attacks("cheap", 10, "hsja", null); // prior cost 1 each
  const dear = attacks("dear", 10, "hsja", 100); // prior cost 100 each
  const eta = new RunEta([...cheap.map((item) => ({ item, cost: 1 })), ...dear.map((item) => ({ item, cost: 100 }))], () => undefined);
  assert.equal(eta.secondsLeft(5), null, "nothing finished in this session yet");
  eta.finish("cheap/0", 1);
  eta.finish("cheap/1", 1);
  // 1 s per unit of prior cost: 8 cheap items of 1 s and 10 dear ones of 100 s are left; 2 s of
  // work took 2 s of wall time.
  assert.equal(eta.secondsLeft(2), 8 + 1000);
  // Two workers: the same work done in half the wall time halves the ETA.
  assert.equal(eta.secondsLeft(1), (8 + 1000) / 2);
  eta.finish("dear/0", 50); // measured: the dear class costs 50 s an item, not 100
  assert.equal(eta.secondsLeft(52), 8 + 9 * 50);
  eta.finish("dear/0", 50); // a key finished twice (or unknown) changes nothing
  eta.finish("nope", 3);
  assert.equal(eta.secondsLeft(52), 8 + 9 * 50);
});

test("items stored by earlier sessions inform the class means but not this session's pace", () => {
  const items = attacks("x", 4, "rays", 50);
  const earlier = new Map([["x/0", 10], ["x/1", 30]]);
  const eta = new RunEta(items.map((item) => ({ item, cost: 100 })), (key) => earlier.get(key));
  assert.equal(eta.secondsLeft(100), null);
  eta.finish("x/2", 20); // mean of 10, 30, 20 = 20 s; 1 item left; 20 s of work took 40 s here
  assert.equal(eta.secondsLeft(40), 40);
  eta.finish("x/3", 20);
  assert.equal(eta.secondsLeft(80), 0);
});
