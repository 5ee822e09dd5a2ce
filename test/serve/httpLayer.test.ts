/**
 * Requests rejected by node's HTTP parser, before any route (issue 26 item 16): answered in the
 * documented {"error": ...} format, and written to the audit log like any other request.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import { startServer } from "./fixture.js";

/** Writes `raw` to the server and reads until it closes the connection. */
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
