import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { encodeNpy, writeNpy } from "../../src/io/index.js";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`../fixtures/${name}`, import.meta.url)));

// The values of test/fixtures/make_npy.py, computed here in float32 arithmetic as numpy does.
function reference2x3x4(): Float32Array {
  const a = Float32Array.from({ length: 24 }, (_, i) => Math.fround(Math.fround(i / 7) - 1.5));
  a[0] = -0;
  a[23] = 1e-40;
  return a;
}

test("encodeNpy gives the bytes of numpy's np.save (format 1.0, '<f4', C order, CHW)", () => {
  assert.deepEqual(encodeNpy(reference2x3x4(), [2, 3, 4]), fixture("reference-2x3x4.npy"));
  assert.deepEqual(encodeNpy(new Float32Array([0.25, 1, 0.1]), [1, 1, 3]), fixture("reference-1x1x3.npy"));
});

test("the header is a multiple of 64 bytes ending in a newline, for any shape", () => {
  for (const shape of [[1, 28, 28], [3, 32, 32], [7], [1234567, 1, 1]]) {
    const size = shape.reduce((a, b) => a * b, 1);
    const bytes = encodeNpy(new Float32Array(size), shape);
    const headerLength = bytes[8] | (bytes[9] << 8);
    assert.equal((10 + headerLength) % 64, 0, `shape ${shape}`);
    assert.equal(bytes[10 + headerLength - 1], 0x0a, `shape ${shape}`);
    assert.equal(bytes.length, 10 + headerLength + 4 * size);
    const header = new TextDecoder().decode(bytes.subarray(10, 10 + headerLength));
    assert.match(header, new RegExp(`'shape': \\(${shape.length === 1 ? `${shape[0]},` : shape.join(", ")}\\)`));
  }
});

test("encodeNpy refuses a shape that does not hold the data", () => {
  assert.throws(() => encodeNpy(new Float32Array(5), [1, 2, 3]), { message: "invalid shape: [1, 2, 3] holds 6 values, got 5" });
  assert.throws(() => encodeNpy(new Float32Array(0), [-1]), { message: "invalid shape: expected non-negative integers, got [-1]" });
});

test("writeNpy writes the file atomically and leaves no temporary file", () => {
  const dir = mkdtempSync(join(tmpdir(), "rsbench-npy-"));
  try {
    writeNpy(join(dir, "0.npy"), new Float32Array([0.25, 1, 0.1]), [1, 1, 3]);
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, "0.npy"))), fixture("reference-1x1x3.npy"));
    assert.deepEqual(readdirSync(dir), ["0.npy"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
