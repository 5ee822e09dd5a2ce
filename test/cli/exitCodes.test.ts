/**
 * Exit codes (docs/cli.md, issue 26 item 16): 2 for a usage or configuration error (a bad flag, a
 * missing or invalid input, a bad environment variable), 1 for a runtime error (the command was
 * valid but failed while running), across commands.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { LINEAR_ONNX, makeFolder } from "../experiments/folderFixture.js";
import { tinyConfig } from "../experiments/tinyConfig.js";
import { runCli } from "./zooRun.js";

let dir = "";
before(() => { dir = mkdtempSync(join(tmpdir(), "rsbench-exit-")); });
after(() => rmSync(dir, { recursive: true, force: true }));

/** A port that accepts connections, and one where nothing listens. */
async function ports(): Promise<{ busy: Server; busyPort: number; closedPort: number }> {
  const listen = () => new Promise<Server>((resolve) => { const s = createServer(); s.listen(0, "127.0.0.1", () => resolve(s)); });
  const port = (s: Server) => (s.address() as { port: number }).port;
  const busy = await listen();
  const closed = await listen();
  const closedPort = port(closed);
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  return { busy, busyPort: port(busy), closedPort };
}

test("usage and configuration errors exit 2, runtime errors exit 1, in several commands", async () => {
  const folder = await makeFolder(join(dir, "images"), ["0-neg", "1-pos"], 1);
  const config = join(dir, "tiny.json");
  writeFileSync(config, JSON.stringify(tinyConfig({ defenses: [{ name: "none", model: "linear" }], certification: null, figures: { include: [] } })));
  const { busy, busyPort, closedPort } = await ports();
  try {
    const data = ["--model", LINEAR_ONNX, "--data", folder];
    const cases: Array<[number, readonly string[], RegExp, NodeJS.ProcessEnv?]> = [
      [2, ["certify", ...data, "--sigma", "-1"], /invalid --sigma: expected a number > 0, got "-1"/],
      [2, ["certify", ...data, "--sigma", "0.25", "--n", "10"], /invalid RSBENCH_PROGRESS_INTERVAL/, { ...process.env, RSBENCH_PROGRESS_INTERVAL: "soon" }],
      [2, ["predict", ...data, "--sigma", "0.25"], /required option '--n <n>' not specified/],
      [2, ["attack", ...data, "--attack", "nope"], /invalid --attack: expected one of/],
      [2, ["run", join(dir, "missing.json")], /file not found/],
      [2, ["run", config, "--environment", join(dir, "missing.mjs"), "--out", join(dir, "run")], /invalid --environment: environment module .* not found/],
      [2, ["serve", "--model", LINEAR_ONNX, "--port", "99999"], /invalid --port/],
      [2, ["results", join(dir, "nothing")], /does not exist: expected a run directory/],
      [2, ["nosuchcommand"], /unknown command/],
      [1, ["attack", "--target", `http://127.0.0.1:${closedPort}`, "--data", folder, "--attack", "rays"], /cannot reach/],
      [1, ["serve", "--model", LINEAR_ONNX, "--port", String(busyPort)], /cannot listen on 127\.0\.0\.1:\d+/],
    ];
    const runs = await Promise.all(cases.map(([, args, , env]) => runCli(args, { env })));
    cases.forEach(([code, args, message], i) => {
      assert.equal(runs[i].code, code, `rsbench ${args.join(" ")}: ${runs[i].stderr}`);
      assert.match(runs[i].stderr, message);
      assert.equal(runs[i].stdout, "", "errors go to stderr");
    });
  } finally {
    busy.close();
  }
});
