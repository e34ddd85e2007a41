// Graceful shutdown of a real process: SIGTERM during 100 active streams.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type TestContext, test } from "node:test";
import { createSqliteLayer } from "chatwire";
import type { ServerFrame } from "chatwire/protocol";
import { connectClient } from "chatwire/testing";
import { eventually } from "../support/gateway.ts";

const root = resolve(import.meta.dirname, "../..");

/** `chatwire run` of the stream fixture in `cwd` (where its SQLite file goes), once it listens. */
async function runStreamApp(t: TestContext, cwd: string) {
  const child = spawn(
    process.execPath,
    [join(root, "bin/chatwire.js"), "run", join(root, "spec/fixtures/stream-app.ts"), "--port", "0"],
    { cwd, env: { ...process.env, LOG_LEVEL: "info" }, stdio: ["ignore", "pipe", "pipe"] },
  );
  t.after(() => child.kill("SIGKILL"));
  const app = { child, port: "", output: "" };
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (app.output += String(chunk)));
  const listening = /listening at http:\/\/127\.0\.0\.1:(\d+)/;
  await eventually(() => listening.test(app.output), 15_000);
  app.port = listening.exec(app.output)?.[1] ?? "";
  return app;
}

test("SIGTERM during 100 active streams: every session ends once, onAppShutdown once, exit 0 within 10 s", async (t) => {
  const app = await runStreamApp(t, root);
  const { child, port } = app;
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
  assert.equal(code, 0, app.output);
  assert.ok(took < 10_000, `exit took ${took} ms`);
  const closes = await Promise.all(clients.map((client) => client.closed));
  assert.deepEqual([...new Set(closes)], [1001]);
  for (const client of clients) assert.ok(client.received.some((f) => f.type === "shutdown"));
  assert.match(app.output, /SHUTDOWN starts=100 ends=100 reasons=\{"shutdown":100\}/);
  assert.equal(app.output.match(/SHUTDOWN/g)?.length, 1);
});

test("SIGINT with persistence on: exit 0, and every streamed token a client saw is in the SQLite file", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-sigint-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = await runStreamApp(t, dir);
  const { child, port } = app;
  const clients = await Promise.all(
    Array.from({ length: 10 }, () => connectClient(`ws://127.0.0.1:${port}/ws`, { ackEvery: 10 })),
  );
  for (const client of clients) client.send({ type: "user_message", id: "m", content: "stream" });
  for (const client of clients) await eventually(() => tokensOf(client.received).length >= 20, 5000);
  const exited = once(child, "exit");
  child.kill("SIGINT");
  assert.equal((await exited)[0], 0, app.output);
  assert.match(app.output, /SHUTDOWN starts=10 ends=10 reasons=\{"shutdown":10\}/);

  const layer = createSqliteLayer({ path: join(dir, ".chatwire", "chatwire.db") });
  t.after(() => layer.close());
  for (const client of clients) {
    const threadId = client.welcome?.threadId ?? "";
    const thread = await layer.loadThread(threadId);
    const reply = thread?.steps.find((step) => step.kind === "message" && step.role === "assistant");
    const seen = tokensOf(client.received).join("");
    assert.ok(reply?.kind === "message", `thread ${threadId} has the assistant's reply`);
    assert.ok(reply.content.startsWith(seen), `stored ${reply.content.length} chars, the client saw ${seen.length}`);
  }
});

const tokensOf = (frames: readonly ServerFrame[]) =>
  frames.flatMap((frame) => (frame.type === "stream_token" ? [frame.token] : []));
