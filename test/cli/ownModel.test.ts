/**
 * docs/own-model.md, followed as written (issue 26): every `$ npx rsbench ...` line of the page
 * runs from the repository root on the committed example (examples/own-model) and succeeds, and
 * the config shown on the page is the committed examples/own-model/config.json. Outputs under
 * runs/ go to a temporary folder instead.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { runCli } from "./zooRun.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const PAGE = readFileSync(join(ROOT, "docs/own-model.md"), "utf8");

let tmp = "";
before(() => { tmp = mkdtempSync(join(tmpdir(), "rsbench-own-model-")); });
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The page's commands: each indented `$ npx rsbench ARGS` line, split on spaces (the page quotes nothing). */
function commands(): string[][] {
  return [...PAGE.matchAll(/^ {4}\$ npx rsbench (.+)$/gm)].map((m) => m[1].trim().split(/\s+/));
}

test("the page's config is the committed examples/own-model/config.json", () => {
  const block = /```json\n([\s\S]*?)```/.exec(PAGE);
  assert.ok(block, "a json block on the page");
  assert.deepEqual(JSON.parse(block[1]), JSON.parse(readFileSync(join(ROOT, "examples/own-model/config.json"), "utf8")));
});

test("every rsbench command of docs/own-model.md runs as written on the example model and folder", { timeout: 600_000 }, async () => {
  const list = commands();
  assert.ok(list.length >= 8, `${list.length} commands found`);
  for (const args of list) {
    // runs/... (the page's run directory and export) go to the temporary folder.
    const rewritten = args.map((a) => (a.startsWith("runs/") ? join(tmp, a) : a));
    const run = await runCli([...rewritten], { cwd: ROOT, timeout: 300_000 });
    assert.equal(run.code, 0, `rsbench ${args.join(" ")}\n${run.stderr}`);
    assert.doesNotMatch(run.stderr, /rsbench: error/);
    if (args[0] === "evaluate" && args.includes("examples/own-model/model.onnx")) {
      assert.match(run.stdout, /clean accuracy: 100\.0%/, "the example model classifies its 40 images");
    }
    if (args[0] === "run") {
      const records = readFileSync(join(tmp, "runs/own-model/results.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l));
      const calibration = records.find((r) => r.kind === "calibration");
      assert.equal(calibration.cleanAccuracy, 1, "the calibration reads the folder with the class map");
      assert.ok(records.some((r) => r.kind === "attack" && r.status === "attacked"));
      assert.ok(records.some((r) => r.kind === "certification"));
    }
  }
});
