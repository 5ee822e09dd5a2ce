/**
 * Requests rejected by node's HTTP parser, before any route (issue 26 item 16): answered in the
 * documented {"error": ...} format, and written to the audit log like any other request.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import { KEYS, startServer } from "./fixture.js";

/** Writes `raw` to the server (and nothing more: a stalled client) and reads until it closes the connection. */
function exchange(url: string, raw: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(raw));
    let data = "";
    socket.on("data", (d) => { data += d; });
    socket.on("close", () => resolve(data));
    socket.on("error", reject);
    socket.setTimeout(10_000, () => { socket.destroy(); reject(new Error(`no close; got ${data}`)); });
  });
}

test("a body longer than its Content-Length and a malformed request get a JSON error and an audit line", async () => {
  const server = await startServer();
  let log;
  try {
    const longer = await exchange(server.url, "POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\nContent-Length: 2\r\n\r\nabcdefgh\r\n\r\n");
    assert.match(longer, /HTTP\/1\.1 400 Bad Request\r\n/);
    assert.match(longer, /\{"error":"malformed HTTP request \(HPE_[A-Z_]+\): expected a well-formed request whose body is exactly its Content-Length"\}/);
    const garbage = await exchange(server.url, "HELLO THERE\r\n\r\n");
    assert.match(garbage, /HTTP\/1\.1 400 Bad Request\r\n[\s\S]*\{"error":"malformed HTTP request/);
  } finally {
    log = await server.close();
  }
  assert.ok(log.filter((l) => l.status === 400 && l.key === null && l.images === 0).length >= 2, JSON.stringify(log));
});

test("headers larger than node's limit get 431 in the JSON format and an audit line", async () => {
  const server = await startServer();
  let log;
  try {
    const huge = await exchange(server.url, `GET /v1/info HTTP/1.1\r\nHost: x\r\nX-Padding: ${"a".repeat(64 * 1024)}\r\n\r\n`);
    assert.match(huge, /^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    assert.match(huge, /Content-Type: application\/json; charset=utf-8\r\n/);
    assert.match(huge, /\r\n\r\n\{"error":"request headers too large: expected at most 16384 bytes of headers"\}$/);
  } finally {
    log = await server.close();
  }
  assert.deepEqual(log.map((l) => [l.status, l.key, l.images, l.sha256]), [[431, null, 0, null]]);
});

test("stalled headers and a stalled body get 408 in the JSON format and an audit line, after the server's timeouts (options)", async () => {
  const server = await startServer({ headersTimeoutMs: 300, requestTimeoutMs: 3000 });
  let log;
  try {
    const started = performance.now();
    const headers = await exchange(server.url, "POST /v1/classify HTTP/1.1\r\nHost: x\r\n");
    const seconds = (performance.now() - started) / 1000;
    const message = /\r\n\r\n\{"error":"request not received in time: expected its headers within 0\.3 s and the whole request within 3 s"\}$/;
    assert.match(headers, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.match(headers, message);
    // The headers' timeout, checked every 75 ms: not the request's 3 s, nor node's 60 s checked every 30 s.
    assert.ok(seconds >= 0.29 && seconds < 2.5, `answered after ${seconds} s`);
    const body = await exchange(server.url, `POST /v1/classify HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${KEYS.alice}\r\nContent-Type: application/octet-stream\r\nContent-Length: 64\r\n\r\nabcd`);
    assert.match(body, /^HTTP\/1\.1 408 Request Timeout\r\n/);
    assert.match(body, message);
  } finally {
    log = await server.close();
  }
  assert.deepEqual(log.map((l) => [l.status, l.images]), [[408, 0], [408, 0]]);
});

test("createServer checks its timeouts", async () => {
  await assert.rejects(startServer({ headersTimeoutMs: 2000, requestTimeoutMs: 1000 }), /invalid headersTimeoutMs: expected an integer in \[1, requestTimeoutMs = 1000\] \(milliseconds\), got 2000/);
  await assert.rejects(startServer({ requestTimeoutMs: 0 }), /invalid requestTimeoutMs: expected an integer >= 1 \(milliseconds\), got 0/);
});
