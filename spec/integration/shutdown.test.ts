// Graceful shutdown of a real process: SIGTERM during 100 active streams.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { test } from "node:test";
import { connectClient } from "../../lib/testing/index.ts";
import { eventually } from "../support/gateway.ts";

test("SIGTERM during 100 active streams: every session ends once, onAppShutdown once, exit 0 within 10 s", async (t) => {
  const child = spawn(process.execPath, ["bin/chatwire.js", "run", "spec/fixtures/stream-app.ts", "--port", "0"], {
    env: { ...process.env, LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => child.kill("SIGKILL"));
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (output += String(chunk)));
  const listening = /listening at http:\/\/127\.0\.0\.1:(\d+)/;
  await eventually(() => listening.test(output), 15_000);
  const port = listening.exec(output)?.[1];
  const clients = await Promise.all(
    Array.from({ length: 100 }, () => connectClient(`ws://127.0.0.1:${port}/ws`, { ackEvery: 50 })),
  );
  for (const client of clients) client.send({ type: "user_message", id: "m", content: "stream" });
  for (const client of clients) await client.until("stream_token", 5000);
  const started = Date.now();
  const exited = once(child, "exit");
  child.kill("SIGTERM");
  const [code] = await exited;
  const took = Date.now() - started;
  assert.equal(code, 0, output);
  assert.ok(took < 10_000, `exit took ${took} ms`);
  const closes = await Promise.all(clients.map((client) => client.closed));
  assert.deepEqual([...new Set(closes)], [1001]);
  for (const client of clients) assert.ok(client.received.some((f) => f.type === "shutdown"));
  assert.match(output, /SHUTDOWN starts=100 ends=100 reasons=\{"shutdown":100\}/);
  assert.equal(output.match(/SHUTDOWN/g)?.length, 1);
});
