import assert from "node:assert/strict";
import { test } from "node:test";
import { assertClose } from "../stats/close.js";
import { runCli, type Run } from "./zooRun.js";

const rsbench = (...args: string[]) => runCli(args, { timeout: 60_000 });

/** Parses stdout as exactly one JSON object. */
function json(run: Run): Record<string, number> {
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split("\n");
  assert.equal(lines.length, 1, `expected one line of JSON, got ${JSON.stringify(run.stdout)}`);
  return JSON.parse(lines[0]);
}

// Values: test/stats/references.py (mpmath) and scipy.stats.norm.ppf(0.99) = 2.3263478740408408.
test("rsbench theory prints one JSON object per command with --json", async () => {
  const [radius, margin, sorm, bound, cp] = await Promise.all([
    rsbench("theory", "radius", "--p", "0.99", "--sigma", "0.25", "--json"),
    rsbench("theory", "margin", "--n", "10", "--pa", "0.8", "--sigma", "1", "--json"),
    rsbench("theory", "sorm", "--beta", "1.5", "--kappa", "0.1,-0.2,0.3", "--json"),
    rsbench("theory", "bound", "--p", "0.99", "--n", "10", "--pa", "0.8", "--sigma", "0.25", "--json"),
    rsbench("theory", "clopper-pearson", "--k", "100000", "--n", "100000", "--alpha", "0.001", "--json"),
  ]);
  assertClose(json(radius).radius, 0.25 * 2.3263478740408408, "radius");
  const m = json(margin);
  assert.deepEqual(Object.keys(m), ["q", "pi0Max", "margin"]);
  assertClose(m.q, 0.6221349270230295, "q");
  assertClose(m.pi0Max, 0.3778650729769705, "pi0Max");
  assertClose(m.margin, 0.31109270606682055, "margin");
  assertClose(json(sorm).pi0, 0.061835992677981434, "pi0");
  assertClose(json(bound).bound, 0.25 * (2.3263478740408408 + 0.31109270606682055), "bound");
  assert.deepEqual(json(cp), { lower: 0.9999309248330094, upper: 1 });
});

test("rsbench theory prints readable text without --json, and help with --help", async () => {
  const [text, help] = await Promise.all([
    rsbench("theory", "margin", "--n", "10", "--pa", "0.8", "--sigma", "1"),
    rsbench("theory", "margin", "--help"),
  ]);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /margin = sigma \* Phi\^-1\(q\): 0\.311093/);
  assert.match(text.stdout, /even n/);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--pa <Pa>/);
});

test("rsbench theory rejects bad values and unknown flags with exit code 2 and a message", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["theory", "radius", "--p", "0.99", "--sigma", "0"], /invalid --sigma: expected a number > 0, got "0"/],
    [["theory", "margin", "--n", "0", "--pa", "0.8", "--sigma", "1"], /invalid --n: expected an integer >= 1, got "0"/],
    [["theory", "margin", "--n", "10", "--pa", "1.5", "--sigma", "1"], /invalid --pa: expected a number in \(0, 1\), got "1.5"/],
    [["theory", "clopper-pearson", "--k", "11", "--n", "10", "--alpha", "0.001"], /invalid --k: expected an integer in \[0, 10\]/],
    [["theory", "sorm", "--beta", "2", "--kappa=-0.6"], /invalid kappa\[0\]: SORM needs 1 \+ beta \* kappa > 0/],
    [["theory", "radius", "--p", "0.9", "--sigma", "1", "--frobnicate"], /unknown option '--frobnicate'/],
  ];
  const runs = await Promise.all(cases.map(([args]) => rsbench(...args)));
  runs.forEach((run, i) => {
    assert.equal(run.code, 2, `${cases[i][0].join(" ")}: ${run.stderr}`);
    assert.match(run.stderr, cases[i][1]);
    assert.equal(run.stdout, "");
  });
});
