// Messages sent mid-reply, over a real socket: three user messages sent back to back (within a few ms) under each
// `midReply` policy — what ran, what was aborted and why, what the client saw, what was stored.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import {
  abortKind,
  type ChatContext,
  createApp,
  createMemoryLayer,
  type IncomingMessage,
  type MidReplyPolicy,
} from "chatwire";
import { connectClient, type TestClient } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";

/** What the app did: the messages each onMessage ran for, and the ones whose task was aborted (with the kind). */
interface Journal {
  readonly ran: string[];
  readonly aborted: [string, string | undefined][];
}

/** A reply that takes ~150 ms: streams "<message>:", waits, then " done". An aborted one cleans up for 40 ms, so
 * the third message lands while it still runs. `steer` reads what the user sent meanwhile. */
function replyingApp(journal: Journal, steer: (ctx: ChatContext, message: IncomingMessage) => Promise<string[]>) {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    journal.ran.push(message.content);
    try {
      const answer = await ctx.stream();
      await answer.streamToken(`${message.content}:`);
      await sleep(150, undefined, { signal: ctx.signal }).catch(() => {});
      if (ctx.signal.aborted) return;
      for (const more of await steer(ctx, message)) await answer.streamToken(` +${more}`);
      await answer.streamToken(" done");
      await answer.endStream();
    } finally {
      // Wherever the abort caught it (a send after it rejects with TaskAborted).
      if (ctx.signal.aborted) {
        journal.aborted.push([message.content, abortKind(ctx.signal)]);
        await sleep(40);
      }
    }
  });
  return chat.seal();
}

const noSteering = async () => [];

/** Starts a gateway with `midReply`, sends three messages back to back, waits until `settled` says so. */
async function threeMessages(
  t: TestContext,
  midReply: MidReplyPolicy,
  steer: (ctx: ChatContext, message: IncomingMessage) => Promise<string[]> = noSteering,
) {
  const journal: Journal = { ran: [], aborted: [] };
  const layer = createMemoryLayer();
  await layer.migrate();
  const server = await startGateway(t, { hooks: replyingApp(journal, steer), data: layer, midReply });
  const client = await connectClient(server);
  // Sent in one synchronous run, so the server reads all three before the first reply can end (the issue's "within
  // 10 ms" holds by construction: no timed assertion, which a loaded machine would fail).
  for (const content of ["one", "two", "three"]) client.send({ type: "user_message", id: content, content });
  const stored = async () => (await layer.loadThread(client.welcome?.threadId ?? ""))?.steps ?? [];
  return { journal, client, stored };
}

/** The task_end frames seen so far, as "t1" or "t1 aborted". */
const taskEnds = (client: TestClient) =>
  client.received.flatMap((f) => (f.type === "task_end" ? [`${f.taskId}${f.aborted ? " aborted" : ""}`] : []));
/** The stream_end frames seen so far, as [content, stopped]. */
const streamEnds = (client: TestClient) =>
  client.received.flatMap((f) => (f.type === "stream_end" ? [[f.content, f.stopped]] : []));
/** Waits for the `n`th task_end. */
async function untilTaskEnds(client: TestClient, n: number): Promise<void> {
  for (let seen = taskEnds(client).length; seen < n; seen++) await client.until("task_end", 3000);
}
const userMessages = (steps: Awaited<ReturnType<Awaited<ReturnType<typeof threeMessages>>["stored"]>>) =>
  steps.flatMap((s) => (s.kind === "message" && s.role === "user" ? [s.content] : []));

test("queue (default): each message is answered in order, nothing is aborted", async (t) => {
  const { journal, client, stored } = await threeMessages(t, "queue");
  await untilTaskEnds(client, 3);
  assert.deepEqual(journal.ran, ["one", "two", "three"]);
  assert.deepEqual(journal.aborted, []);
  assert.deepEqual(taskEnds(client), ["t1", "t2", "t3"]);
  assert.deepEqual(streamEnds(client), [
    ["one: done", undefined],
    ["two: done", undefined],
    ["three: done", undefined],
  ]);
  assert.deepEqual(userMessages(await stored()), ["one", "two", "three"]);
  await client.close();
});

test("interrupt: the running reply is stopped (`superseded`), the waiting one skipped, the newest answered", async (t) => {
  const { journal, client, stored } = await threeMessages(t, "interrupt");
  await untilTaskEnds(client, 3);
  assert.deepEqual(journal.ran, ["one", "three"], "two was superseded by three before its turn: never run");
  assert.deepEqual(journal.aborted, [["one", "superseded"]]);
  assert.deepEqual(taskEnds(client), ["t1 aborted", "t2 aborted", "t3"]);
  // Whether "one" had opened its stream (ctx.stream() sends stream_start at once), or streamed its first token too,
  // when "two" came is a race; if it had, its end says why, with what it had streamed.
  const ends = streamEnds(client);
  assert.deepEqual(ends.at(-1), ["three: done", undefined]);
  for (const end of ends.slice(0, -1)) assert.ok(["one:", ""].includes(String(end[0])), `ended with ${end[0]}`);
  for (const end of ends.slice(0, -1)) assert.equal(end[1], "superseded");
  assert.deepEqual(userMessages(await stored()), ["one", "two", "three"], "every message the user sent is kept");
  assert.equal(client.received.filter((f) => f.type === "error").length, 0);
  await client.close();
});

test("interrupt mid-stream: the partial answer is kept, ended and stored with `superseded`", async (t) => {
  const journal: Journal = { ran: [], aborted: [] };
  const layer = createMemoryLayer();
  await layer.migrate();
  const server = await startGateway(t, { hooks: replyingApp(journal, noSteering), data: layer, midReply: "interrupt" });
  const client = await connectClient(server);
  client.send({ type: "user_message", id: "one", content: "one" });
  await client.until("stream_token");
  client.send({ type: "user_message", id: "two", content: "two" });
  await untilTaskEnds(client, 2);
  assert.deepEqual(streamEnds(client), [
    ["one:", "superseded"],
    ["two: done", undefined],
  ]);
  const steps = (await layer.loadThread(client.welcome?.threadId ?? ""))?.steps ?? [];
  assert.deepEqual(
    steps.map((s) => (s.kind === "message" ? [s.role, s.content, s.stopped] : [])),
    [
      ["user", "one", undefined],
      ["assistant", "one:", "superseded"],
      ["user", "two", undefined],
      ["assistant", "two: done", undefined],
    ],
  );
  await client.close();
});

test("steer: the running reply reads what came meanwhile (message_steered); what it leaves unread gets its turn", async (t) => {
  // The first reply reads one message with ctx.incoming() and leaves the rest; later replies read nothing.
  const readOne = async (ctx: ChatContext, message: IncomingMessage) => {
    if (message.content !== "one") return [];
    for await (const more of ctx.incoming()) return [more.content];
    return [];
  };
  const { journal, client, stored } = await threeMessages(t, "steer", readOne);
  await untilTaskEnds(client, 2);
  assert.deepEqual(journal.ran, ["one", "three"], "two was read by the first reply: no turn of its own");
  assert.deepEqual(journal.aborted, []);
  assert.deepEqual(taskEnds(client), ["t1", "t2"]);
  assert.deepEqual(streamEnds(client), [
    ["one: +two done", undefined],
    ["three: done", undefined],
  ]);
  const steered = client.received.flatMap((f) => (f.type === "message_steered" ? [[f.replyTo, f.taskId]] : []));
  assert.deepEqual(steered, [["two", "t1"]]);
  assert.deepEqual(userMessages(await stored()), ["one", "two", "three"]);
  await client.close();
});

test("steer: takeIncoming() reads every message that came meanwhile, without waiting", async (t) => {
  const readAll = async (ctx: ChatContext) => (await ctx.takeIncoming()).map((m) => m.content);
  const { journal, client } = await threeMessages(t, "steer", readAll);
  await untilTaskEnds(client, 1);
  assert.deepEqual(journal.ran, ["one"]);
  assert.deepEqual(streamEnds(client), [["one: +two +three done", undefined]]);
  // Nothing else starts: both messages were the first reply's.
  client.send({ type: "user_message", id: "four", content: "four" });
  await untilTaskEnds(client, 2);
  assert.deepEqual(taskEnds(client), ["t1", "t2"]);
  assert.deepEqual(journal.ran, ["one", "four"]);
  await client.close();
});

test("drop: messages sent mid-reply get MESSAGE_DROPPED and nothing else changes", async (t) => {
  const { journal, client, stored } = await threeMessages(t, "drop");
  await untilTaskEnds(client, 1);
  assert.deepEqual(journal.ran, ["one"]);
  assert.deepEqual(journal.aborted, []);
  assert.deepEqual(taskEnds(client), ["t1"]);
  assert.deepEqual(streamEnds(client), [["one: done", undefined]]);
  const errors = client.received.flatMap((f) => (f.type === "error" ? [[f.code, f.replyTo]] : []));
  assert.deepEqual(errors, [
    ["MESSAGE_DROPPED", "two"],
    ["MESSAGE_DROPPED", "three"],
  ]);
  assert.deepEqual(userMessages(await stored()), ["one"], "a dropped message is not stored");
  client.send({ type: "user_message", id: "four", content: "four" });
  await untilTaskEnds(client, 2);
  assert.deepEqual(journal.ran, ["one", "four"], "once the reply ended, a message runs again");
  await client.close();
});

test("an unknown midReply value fails the gateway's start with INVALID_OPTION", async (t) => {
  const chat = createApp();
  const options = { hooks: chat.seal(), midReply: "debounce" } as unknown as { hooks: ReturnType<typeof chat.seal> };
  await assert.rejects(startGateway(t, options), { code: "INVALID_OPTION" });
});
