// A stored file ask (docs/durability.md#stored-asks), with real processes on the built package and a SQLite file: a
// turn waits on `ctx.askFile` when its process is killed with kill -9; the restarted process shows the ask again, the
// client uploads its file to the new session and answers with it, and the turn runs again to one complete answer,
// its askFile returning that file (its bytes read back from the file store) without asking again.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { connectClient } from "chatwire/testing";
import { upload } from "../files/support.ts";
import { logIn } from "../support/cluster.ts";
import { comeBack, streamed } from "../support/durable.ts";
import { startAppProcess } from "../support/process.ts";

const SECRET = "durable-ask-file-test-secret-0123456789abcdef";

test("kill -9 while an askFile waits: after the restart the ask is shown again, an uploaded file answers it, the turn ends once", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-ask-file-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const env = { CHATWIRE_AUTH_SECRET: SECRET, DATA_PATH: join(dir, "chatwire.db"), COUNTER_DIR: dir, ASK_KIND: "file" };
  const count = (name: string) => readFileSync(join(dir, name), "utf8").length;

  const first = await startAppProcess(t, "spec/fixtures/ask-app.ts", env);
  const client = await connectClient(first.url, { headers: (await logIn(first.port, "ada")).headers });
  const welcome = client.welcome ?? assert.fail("no welcome");
  client.send({ type: "user_message", id: "m1", content: "greet someone" });
  const answerId = (await client.until("stream_start", 10_000)).message.id;
  const asked = await client.until("ask", 10_000);
  assert.equal(asked.kind, "file");
  await first.kill();

  const second = await startAppProcess(t, "spec/fixtures/ask-app.ts", env);
  const headers = (await logIn(second.port, "ada")).headers;
  const { again, at } = await comeBack(second.url, welcome, client.lastSeq, headers);
  const shown = await again.until("ask", 10_000);
  assert.deepEqual([shown.askId, shown.kind, shown.files?.accept], [asked.askId, "file", ["text/plain"]]);

  // An answer without files is refused, and the ask stays open for a proper one.
  again.send({ type: "ask_reply", askId: asked.askId, content: "Ada" });
  assert.equal((await again.until("error", 10_000)).code, "BAD_FRAME");

  const token = again.received.find((frame) => frame.type === "welcome")?.uploadToken;
  const base = `http://127.0.0.1:${second.port}`;
  const file = await upload(base, token, "name.txt", "text/plain", Buffer.from("Ada\n"));
  assert.equal(file.status, 201, JSON.stringify(file.body));
  again.send({ type: "ask_reply", askId: asked.askId, files: [file.body.id ?? ""] });
  const ended = await again.until("ask_end", 10_000);
  assert.deepEqual([ended.askId, ended.outcome], [asked.askId, "answered"]);
  const end = await again.until("stream_end", 15_000);
  assert.equal(end.id, answerId);
  assert.equal(end.content, "looked up. hello Ada. ");
  assert.equal(streamed(again, answerId, at), "looked up. hello Ada. ");
  // The re-run's askFile got the stored answer: not asked a second time; the step before it ran once.
  assert.equal(again.received.filter((frame) => frame.type === "ask").length, 1);
  assert.deepEqual([count("step1"), count("step2")], [1, 1]);
  await again.close();
});
