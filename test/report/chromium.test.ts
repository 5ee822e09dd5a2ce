import assert from "node:assert/strict";
import { accessSync, constants, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { findChromium, SYSTEM_CHROMIUM } from "./chromium.js";

test("findChromium takes RSBENCH_CHROMIUM first, and a wrong one is an error, not a fallback", async () => {
  const dir = mkdtempSync(join(tmpdir(), "rsbench-chromium-"));
  try {
    const fake = join(dir, "chromium");
    writeFileSync(fake, "");
    assert.deepEqual(await findChromium({ RSBENCH_CHROMIUM: fake }), { path: fake, source: "RSBENCH_CHROMIUM" });
    await assert.rejects(findChromium({ RSBENCH_CHROMIUM: join(dir, "missing") }), /RSBENCH_CHROMIUM=.*missing: expected the path of a Chromium binary, found no file there/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("findChromium without RSBENCH_CHROMIUM: the system Chromium when there is one, else the npm package's, executable", async () => {
  const found = await findChromium({});
  if (existsSync(SYSTEM_CHROMIUM)) assert.deepEqual(found, { path: SYSTEM_CHROMIUM, source: "system" });
  else {
    assert.equal(found.source, "@sparticuz/chromium");
    assert.match(found.path, /[/\\]\.cache[/\\]chromium[/\\]\d+\.\d+\.\d+[/\\]chromium$/);
    accessSync(found.path, constants.X_OK);
    // a second call reuses the decompressed binary
    assert.deepEqual(await findChromium({}), found);
  }
});
