// Headless recovery (docs/durability.md#orphans-nobody-reopens), with real processes on the built package: a turn
// whose process died and whose user never comes back is found by the orphan sweeper — at start-up on one node
// (SQLite), on a live node once the dead node's lease ran out (PostgreSQL cluster) — and run to its end in a session
// with no client; a waiting turn whose ask's deadline passed is run too, so that its handler gets ASK_TIMEOUT.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { connectClient, type TestClient } from "chatwire/testing";
import { upload } from "../files/support.ts";
import { logIn, startClusterNode } from "../support/cluster.ts";
import { streamed } from "../support/durable.ts";
import { eventually, pause } from "../support/gateway.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { startAppProcess } from "../support/process.ts";

let postgres: TestPostgres | undefined;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

interface StoredMessage {
  kind: string;
  role?: string;
  content?: string;
  recovered?: boolean;
  stopped?: string;
}

/** The stored thread's messages as `GET /threads/:id` gives them, once `done` holds (polled, up to `ms`). */
async function storedWhen(
  port: number,
  threadId: string,
  headers: Record<string, string>,
  done: (messages: StoredMessage[]) => boolean,
  ms = 30_000,
): Promise<StoredMessage[]> {
  const until = Date.now() + ms;
  for (;;) {
    const reply = await fetch(`http://127.0.0.1:${port}/threads/${threadId}`, { headers });
    const steps = reply.status === 200 ? ((await reply.json()) as { steps: StoredMessage[] }).steps : [];
    const messages = steps.filter((step) => step.kind === "message");
    if (done(messages)) return messages;
    if (Date.now() > until) throw new Error(`the stored thread never got there: ${JSON.stringify(messages)}`);
    await pause(100);
  }
}

const counter = (dir: string) => (name: string) =>
  existsSync(join(dir, name)) ? readFileSync(join(dir, name), "utf8").length : 0;

function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-headless-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const WHOLE = "result 1. result 2. result 3. ";
const FIXTURE = "spec/fixtures/durable-app.ts";

/** A turn of durable-app.ts on the SQLite file in `dir`, its process killed (kill -9) after 2 of its 3 steps; the
 * message says `content` and carries `file` (uploaded first) if given. */
async function killedAfterStep2(t: TestContext, dir: string, content: string, file?: { name: string; text: string }) {
  const env = { DATA_PATH: join(dir, "chatwire.db"), COUNTER_DIR: dir };
  const first = await startAppProcess(t, FIXTURE, { ...env, HANG_AFTER_STEP_2: "1" });
  const client = await connectClient(first.url);
  const { threadId, threadSecret, uploadToken } = client.welcome ?? assert.fail("no welcome");
  const headers: Record<string, string> = threadSecret ? { "x-chatwire-thread-secret": threadSecret } : {};
  const files: string[] = [];
  if (file !== undefined) {
    const base = `http://127.0.0.1:${first.port}`;
    const stored = await upload(base, uploadToken, file.name, "text/plain", Buffer.from(file.text));
    assert.equal(stored.status, 201, JSON.stringify(stored.body));
    files.push(stored.body.id ?? "");
  }
  client.send({ type: "user_message", id: "m1", content, ...(files.length > 0 ? { files } : {}) });
  const answerId = (await client.until("stream_start", 10_000)).message.id;
  await eventually(() => streamed(client, answerId) === "result 1. result 2. ", 10_000);
  await first.kill();
  return { env, threadId, threadSecret, headers, answerId };
}

test("one node: kill -9 after step 2 of 3, restart, no client: the turn ends on its own, once, marked recovered", async (t) => {
  const dir = tempDir(t);
  const count = counter(dir);
  const { env, threadId, threadSecret, headers, answerId } = await killedAfterStep2(t, dir, "three steps, please");
  assert.deepEqual([count("step1"), count("step2"), count("step3")], [1, 1, 0]);

  // Restarted on the same file; nobody connects.
  const second = await startAppProcess(t, FIXTURE, { ...env, ORPHAN_SWEEP_MS: "200" });
  const messages = await storedWhen(second.port, threadId, headers, (found) =>
    found.some((message) => message.role === "assistant" && message.content === WHOLE),
  );
  assert.deepEqual(
    messages.map((message) => [message.role, message.content, message.recovered ?? false, message.stopped]),
    [
      ["user", "three steps, please", false, undefined],
      ["assistant", WHOLE, true, undefined],
    ],
  );
  assert.deepEqual([count("step1"), count("step2"), count("step3")], [1, 1, 1]);

  // The user comes back later: one complete answer, and nothing is run again.
  const again = await connectClient(second.url, { hello: false });
  again.send({
    type: "hello",
    protocol: 1,
    thread: { id: threadId, ...(threadSecret ? { secret: threadSecret } : {}) },
  });
  const history = await again.until("thread_history", 10_000);
  const shown = history.steps.flatMap((step) => (step.kind === "message" ? [[step.role, step.content]] : []));
  assert.deepEqual(shown, [
    ["user", "three steps, please"],
    ["assistant", WHOLE],
  ]);
  // A message after it is answered as usual: the session's task lane was free, its orphan check found nothing.
  again.send({ type: "user_message", id: "m2", content: "again" });
  const next = await again.until("stream_end", 10_000);
  assert.equal(next.content, WHOLE);
  assert.equal(
    again.received.filter((frame) => frame.type === "stream_start" && frame.message.id === answerId).length,
    0,
    "the recovered answer is not streamed again",
  );
  await again.close();
  assert.deepEqual([count("step1"), count("step2"), count("step3")], [2, 2, 2]);
});

test("a recovered turn's message has its files again, read back from the file store", async (t) => {
  const dir = tempDir(t);
  const note = { name: "note.txt", text: "the order is A-17" };
  const { env, threadId, headers } = await killedAfterStep2(t, dir, "with a file", note);

  const second = await startAppProcess(t, FIXTURE, { ...env, ORPHAN_SWEEP_MS: "200" });
  await storedWhen(second.port, threadId, headers, (found) =>
    found.some((message) => message.role === "assistant" && message.content === WHOLE),
  );
  const inputs = readFileSync(join(dir, "inputs"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line));
  const attempt = { content: "with a file", files: [["note.txt", "the order is A-17"]] };
  assert.deepEqual(inputs, [attempt, attempt], "the first attempt and the recovery got the same file");
});

test("a client that reopens the thread while the headless recovery runs sees it live, and one answer", async (t) => {
  const dir = tempDir(t);
  const count = counter(dir);
  const { env, threadId, threadSecret, answerId } = await killedAfterStep2(t, dir, "three steps, please");

  // Restarted with the hang again: the headless recovery stops after step 2 (a finished step, memoised) and holds.
  const second = await startAppProcess(t, FIXTURE, { ...env, ORPHAN_SWEEP_MS: "200", HANG_AFTER_STEP_2: "1" });
  const headers: Record<string, string> = threadSecret ? { "x-chatwire-thread-secret": threadSecret } : {};
  // The headless session is running the turn: its recovered answer is stored as it streams.
  await storedWhen(second.port, threadId, headers, (found) => found.some((message) => message.recovered === true));
  const again = await connectClient(second.url, { hello: false });
  again.send({
    type: "hello",
    protocol: 1,
    thread: { id: threadId, ...(threadSecret ? { secret: threadSecret } : {}) },
  });
  const history = await again.until("thread_history", 10_000);
  const stored = history.steps.filter((step) => step.kind === "message");
  assert.deepEqual(
    stored.map((step) => (step.kind === "message" ? step.role : "")),
    ["user", "assistant"],
    "one answer, not a second one",
  );
  const at = again.received.indexOf(history);
  // The headless session goes on: the client follows it live, to the end of the one answer.
  writeFileSync(join(dir, "release"), "");
  const followed = () => again.received.slice(at).flatMap((frame) => (frame.type === "follow" ? [frame.frame] : []));
  await eventually(() => followed().some((frame) => frame.type === "stream_end"), 15_000);
  const ended = followed().find((frame) => frame.type === "stream_end");
  assert.equal(ended?.type === "stream_end" ? [ended.id, ended.content].join(" ") : "", `${answerId} ${WHOLE}`);
  const tokens = followed().flatMap((frame) => (frame.type === "stream_token" ? [frame] : []));
  assert.ok(tokens.length > 0 && tokens.every((frame) => frame.id === answerId), "the answer's own tokens, live");
  // The reopening session's own orphan check left the turn to the headless session that holds it.
  assert.equal(again.received.filter((frame) => frame.type === "error" || frame.type === "stream_start").length, 0);
  await storedWhen(second.port, threadId, headers, (found) =>
    found.some((message) => message.role === "assistant" && message.content === WHOLE),
  );
  assert.deepEqual([count("step1"), count("step2"), count("step3")], [1, 1, 1]);
  await again.close();
  const last = await storedWhen(second.port, threadId, headers, () => true);
  assert.deepEqual(
    last.map((message) => [message.role, message.content]),
    [
      ["user", "three steps, please"],
      ["assistant", WHOLE],
    ],
  );
});

test("past maxHeadlessRecoveries (1 here) an orphan waits for a later sweep: one headless recovery at a time", async (t) => {
  const dir = tempDir(t);
  const count = counter(dir);
  const env = { DATA_PATH: join(dir, "chatwire.db"), COUNTER_DIR: dir, HANG_AFTER_STEP_2: "1" };

  // Two threads, each with a turn held after step 2, then kill -9.
  const first = await startAppProcess(t, FIXTURE, env);
  const threads: { threadId: string; headers: Record<string, string> }[] = [];
  for (const content of ["first", "second"]) {
    const client = await connectClient(first.url);
    const { threadId, threadSecret } = client.welcome ?? assert.fail("no welcome");
    threads.push({ threadId, headers: threadSecret ? { "x-chatwire-thread-secret": threadSecret } : {} });
    client.send({ type: "user_message", id: "m1", content });
    const answerId = (await client.until("stream_start", 10_000)).message.id;
    await eventually(() => streamed(client, answerId) === "result 1. result 2. ", 10_000);
  }
  await first.kill();

  // Restarted with one headless place: the first recovery holds after step 2 until released; the second orphan
  // waits for its place.
  const log = join(dir, "turns.log");
  const second = await startAppProcess(t, FIXTURE, {
    ...env,
    ORPHAN_SWEEP_MS: "200",
    MAX_HEADLESS: "1",
    TURN_LOG: log,
  });
  const recovered = async (thread: (typeof threads)[number]) =>
    (await storedWhen(second.port, thread.threadId, thread.headers, () => true)).some(
      (message) => message.recovered === true,
    );
  const started = () => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : []);
  await eventually(() => started().length === 1, 30_000);
  writeFileSync(join(dir, "release"), "");
  for (const thread of threads) {
    await storedWhen(second.port, thread.threadId, thread.headers, (found) =>
      found.some((message) => message.role === "assistant" && message.content === WHOLE),
    );
    assert.ok(await recovered(thread));
  }
  const [one, , other] = started().map((line) => line.split(" ")[1]);
  assert.deepEqual(started(), [`start ${one}`, `end ${one}`, `start ${other}`, `end ${other}`]);
  assert.deepEqual([one, other].sort(), ["first", "second"]);
  assert.deepEqual([count("step1"), count("step2"), count("step3")], [2, 2, 2]);
});

test("a PostgreSQL cluster: kill -9 the node running a turn, no client: another node ends it", async (t) => {
  const url = postgres?.url ?? assert.fail("no PostgreSQL");
  const dir = tempDir(t);
  const count = counter(dir);
  const env = { COUNTER_DIR: dir, CLUSTER_LEASE_MS: "2000", CLUSTER_HEARTBEAT_MS: "500", ORPHAN_SWEEP_MS: "300" };
  const fixture = "spec/fixtures/durable-cluster-node.ts";
  const [holder, other] = await Promise.all([0, 1].map(() => startClusterNode(t, url, env, fixture)));
  if (holder === undefined || other === undefined) assert.fail("no nodes");
  const { headers } = await logIn(holder.port, "ada");

  const client = await connectClient(`ws://127.0.0.1:${holder.port}/ws`, { headers });
  const { threadId } = client.welcome ?? assert.fail("no welcome");
  client.send({ type: "user_message", id: "m1", content: "three steps, please" });
  const answerId = (await client.until("stream_start", 10_000)).message.id;
  await eventually(() => streamed(client, answerId) === "result 1. result 2. ", 10_000);
  await holder.kill();
  assert.deepEqual([count("step1"), count("step2"), count("step3")], [1, 1, 0]);

  const messages = await storedWhen(other.port, threadId, headers, (found) =>
    found.some((message) => message.role === "assistant" && message.content === WHOLE),
  );
  assert.deepEqual(
    messages.map((message) => [message.role, message.content, message.recovered ?? false]),
    [
      ["user", "three steps, please", false],
      ["assistant", WHOLE, true],
    ],
  );
  assert.deepEqual([count("step1"), count("step2"), count("step3")], [1, 1, 1]);
});

test("a waiting turn whose ask's deadline passed is ended by the sweeper: the handler gets ASK_TIMEOUT", async (t) => {
  const dir = tempDir(t);
  const count = counter(dir);
  const env = {
    DATA_PATH: join(dir, "asks.db"),
    COUNTER_DIR: dir,
    CHATWIRE_AUTH_SECRET: "headless-asks-secret-0123456789abcdefgh",
    ASK_TIMEOUT_MS: "1500",
  };
  const fixture = "spec/fixtures/ask-app.ts";
  const first = await startAppProcess(t, fixture, env);
  const { headers } = await logIn(first.port, "ada");
  const client = await connectClient(first.url, { headers });
  const { threadId } = client.welcome ?? assert.fail("no welcome");
  client.send({ type: "user_message", id: "m1", content: "greet someone" });
  await client.until("ask", 10_000);
  await first.kill();

  // Nobody answers, nobody comes back: once the deadline has passed, the sweeper runs the turn to its end.
  const second = await startAppProcess(t, fixture, { ...env, ORPHAN_SWEEP_MS: "200" });
  const messages = await storedWhen(second.port, threadId, headers, (found) =>
    found.some(
      (message) =>
        message.role === "assistant" && message.stopped === undefined && message.content?.endsWith("nobody answered. "),
    ),
  );
  // The ask's own message is there once at most (the kill may have come before its write committed): not asked again.
  const asks = messages.filter((message) => message.content === "Whom should I greet?");
  assert.ok(asks.length <= 1);
  const answers = messages.filter((message) => message.role === "assistant" && !asks.includes(message));
  assert.deepEqual(
    answers.map((message) => [message.content, message.recovered ?? false]),
    [["looked up. nobody answered. ", true]],
    "one answer, ended by the app",
  );
  assert.deepEqual([count("step1"), count("step2")], [1, 0]);
});

test("a headless recovery that asks lets the turn go, waiting: its user reopens the thread, is asked, and answers", async (t) => {
  const dir = tempDir(t);
  const count = counter(dir);
  const env = {
    DATA_PATH: join(dir, "asks.db"),
    COUNTER_DIR: dir,
    CHATWIRE_AUTH_SECRET: "headless-asks-secret-0123456789abcdefgh",
  };
  const fixture = "spec/fixtures/ask-app.ts";
  // Killed after step 1, before the turn asks.
  const first = await startAppProcess(t, fixture, { ...env, HANG_BEFORE_ASK: "1" });
  const { headers } = await logIn(first.port, "ada");
  const client = await connectClient(first.url, { headers });
  const { threadId } = client.welcome ?? assert.fail("no welcome");
  client.send({ type: "user_message", id: "m1", content: "greet someone" });
  const answerId = (await client.until("stream_start", 10_000)).message.id;
  await eventually(() => streamed(client, answerId) === "looked up. ", 10_000);
  await first.kill();

  // The sweeper recovers it with no client: it asks, nobody is there, the session lets the turn go.
  const second = await startAppProcess(t, fixture, { ...env, ORPHAN_SWEEP_MS: "200" });
  await storedWhen(second.port, threadId, headers, (found) =>
    found.some((message) => message.content === "Whom should I greet?"),
  );
  // Ada comes back: the stored ask is shown (once the headless session has let the turn go), she answers it.
  let asked: { askId: string } | undefined;
  let again: TestClient | undefined;
  for (let attempt = 0; asked === undefined && attempt < 20; attempt++) {
    await again?.close();
    again = await connectClient(second.url, { headers, hello: false });
    again.send({ type: "hello", protocol: 1, thread: { id: threadId } });
    await again.until("thread_history", 10_000);
    asked = await again.until("ask", 1_000).catch(() => undefined);
  }
  if (again === undefined || asked === undefined) assert.fail("the ask was never shown again");
  again.send({ type: "ask_reply", askId: asked.askId, content: "Ada" });
  const end = await again.until("stream_end", 15_000);
  assert.equal(end.content, "looked up. hello Ada. ");
  await again.close();
  assert.deepEqual([count("step1"), count("step2")], [1, 1]);
  const messages = await storedWhen(second.port, threadId, headers, () => true);
  const answers = messages.filter((message) => message.role === "assistant" && message.content?.startsWith("looked"));
  assert.deepEqual(
    answers.map((message) => message.content),
    ["looked up. hello Ada. "],
  );
});
