import assert from "node:assert/strict";
import { test } from "node:test";
import { bearerToken, KeyRing } from "../../src/serve/keys.js";
import { KEY_FILE, KEYS } from "./fixture.js";

test("KeyRing.identify returns the ID of the matching secret and null for any other token", () => {
  const ring = KeyRing.parse(KEY_FILE);
  assert.equal(ring.size, 2);
  assert.equal(ring.identify(KEYS.alice), "alice");
  assert.equal(ring.identify(KEYS.bob), "bob");
  assert.equal(ring.identify("alice"), null);
  assert.equal(ring.identify(KEYS.alice + "x"), null);
  assert.equal(ring.identify(""), null);
});

test("KeyRing.parse refuses malformed lines, short secrets, duplicates and empty files, naming the line", () => {
  assert.throws(() => KeyRing.parse("alice\n"), /line 1: expected ID:SECRET, got a line without ":"/);
  assert.throws(() => KeyRing.parse("al ice:0123456789abcdef\n"), /line 1: expected an ID of 1 to 64 letters/);
  assert.throws(() => KeyRing.parse("alice:short\n"), /line 1: the secret of key alice must be at least 16 printable characters without spaces, got 5 characters/);
  assert.throws(() => KeyRing.parse("alice:0123456789 abcdefghij\n"), /line 1: the secret of key alice must be at least 16 printable characters without spaces, got 21 characters, with a space at character 11/);
  assert.throws(() => KeyRing.parse("a:0123456789abcdef\n# c\na:0123456789abcdeX\n"), /line 3: key ID a appears twice/);
  assert.throws(() => KeyRing.parse("a:0123456789abcdef\nb:0123456789abcdef\n"), /line 2: key b reuses the secret of another key/);
  assert.throws(() => KeyRing.parse("# nothing\n\n"), /expected at least one ID:SECRET line, got none/);
  assert.throws(() => KeyRing.read("/nonexistent/keys.txt"), /cannot read keys file \/nonexistent\/keys.txt/);
});

test("bearerToken reads `Bearer TOKEN` and nothing else", () => {
  assert.equal(bearerToken("Bearer abc"), "abc");
  assert.equal(bearerToken("bearer  abc "), "abc");
  assert.equal(bearerToken("Basic abc"), null);
  assert.equal(bearerToken("Bearer a b"), null);
  assert.equal(bearerToken(undefined), null);
});
