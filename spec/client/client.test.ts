// chatwire/client against a real gateway: the conversation snapshot, the commands, audio, acks, the WebSocket
// option, and the events. Node 20 has no global WebSocket: these run over the `ws` package, as Node 20 users will.
import assert from "node:assert/strict";
import { test } from "node:test";
import WebSocket from "ws";
import { ChatwireClientError, type SocketConstructor } from "../../lib/client/index.ts";
import { abortKind } from "../../lib/context/abort.ts";
import type { InputAudioChunk } from "../../lib/hooks/payloads.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import type { ClientFrame } from "../../lib/protocol/index.ts";
import { client, eventually, lastReply, next, startChat, until } from "./support.ts";

test("a conversation: the greeting, the user's message at once, a streamed reply, nested steps", async (t) => {
  const app = createApp();
  app.onChatStart(async (ctx) => {
    await ctx.send("Hello");
  });
  let release: () => void = () => undefined;
  const halfway = new Promise<void>((resolve) => {
    release = resolve;
  });
  app.onMessage(async (ctx, message) => {
    await ctx.step({ name: "Plan", type: "run" }, async (plan) => {
      await plan.step({ name: "Search", type: "tool", input: message.content }, (search) => {
        search.output = "3 results";
      });
    });
    const reply = await ctx.stream();
    await reply.streamToken("Hi ");
    await halfway;
    await reply.streamToken(message.content);
    await reply.endStream();
  });
  const { url } = await startChat(t, app.seal());
  const chat = client(t, url);
  const { welcome, replaced } = await next(chat, "connected");
  assert.equal(replaced, false);
  await until(chat, (s) => s.messages.find((m) => m.content === "Hello"), "the greeting");
  assert.equal(chat.getSnapshot(), chat.getSnapshot(), "the same snapshot until something changes");
  assert.equal(chat.getSnapshot().session?.sessionId, welcome.sessionId);

  const id = chat.send("Ada");
  const mine = chat.getSnapshot().messages.at(-1);
  assert.deepEqual([mine?.id, mine?.role, mine?.content, mine?.local], [id, "user", "Ada", true]);
  const streaming = await until(chat, (s) => s.messages.find((m) => m.streaming && m.content === "Hi "), "a token");
  assert.equal(chat.getSnapshot().busy, true);
  const before = chat.getSnapshot();
  release();
  assert.equal(await until(chat, lastReply, "the whole reply"), "Hi Ada");
  await until(chat, (s) => (s.busy ? undefined : true), "idle");
  const after = chat.getSnapshot();
  assert.notEqual(after, before);
  assert.equal(after.messages[0], before.messages[0], "unchanged messages keep their identity");
  assert.equal(after.messages.find((m) => m.id === streaming.id)?.streaming, false);
  const plan = after.tree.find((node) => node.kind === "step");
  assert.equal(plan?.kind === "step" && plan.step.name, "Plan");
  const search = plan?.children[0];
  assert.equal(search?.kind === "step" && `${search.step.name}: ${search.step.output}`, "Search: 3 results");
  assert.deepEqual(
    after.tree.map((node) => node.kind),
    ["message", "message", "step", "message"],
  );
});

test("callAction settles when its task ends; an unknown action rejects with UNKNOWN_ACTION", async (t) => {
  const app = createApp();
  app.onChatStart(async (ctx) => {
    await ctx.send({ content: "Pick", actions: [{ name: "approve", label: "Approve", payload: { n: 7 } }] });
  });
  let open: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  app.actionCallback("approve", async (ctx, action) => {
    await gate;
    await ctx.send(`approved ${String(action.payload.n)}`);
  });
  const { url } = await startChat(t, app.seal());
  const chat = client(t, url);
  const [action] = await until(chat, (s) => (s.actions.length > 0 ? s.actions : undefined), "the action");
  assert.equal(action?.name, "approve");
  if (action === undefined) return;
  const done = chat.callAction(action);
  assert.deepEqual(chat.getSnapshot().pressed, [action.id], "pressed until its task ends");
  open();
  await done;
  assert.ok(chat.getSnapshot().messages.some((m) => m.content === "approved 7"));
  assert.deepEqual(chat.getSnapshot().pressed, []);
  const refused = await chat.callAction("no-such-action").catch((error: unknown) => error);
  assert.ok(refused instanceof ChatwireClientError);
  assert.equal(refused.code, "UNKNOWN_ACTION");
  assert.equal(chat.getSnapshot().errors.at(-1)?.code, "UNKNOWN_ACTION");
});

test("asks: a text ask answered with text, an action ask with one of its actions", async (t) => {
  const app = createApp();
  app.onMessage(async (ctx) => {
    const name = await ctx.askText("What is your name?");
    const colour = await ctx.askAction({
      content: "Pick a colour",
      actions: [
        { name: "red", label: "Red" },
        { name: "blue", label: "Blue" },
      ],
    });
    await ctx.send(`${name} likes ${colour.label}`);
  });
  const { url } = await startChat(t, app.seal());
  const chat = client(t, url);
  chat.send("start");
  const text = await until(chat, (s) => s.asks[0], "the text ask");
  assert.deepEqual([text.kind, text.message.content], ["text", "What is your name?"]);
  chat.answerAsk(text.askId, "Ada");
  assert.deepEqual(chat.getSnapshot().asks, [], "answered: no longer open");
  assert.equal(chat.getSnapshot().messages.at(-1)?.content, "Ada", "the answer shows as the user's message");
  const pick = await until(chat, (s) => s.asks[0], "the action ask");
  const blue = pick.message.actions.find((action) => action.label === "Blue");
  assert.ok(blue);
  chat.answerAsk(pick.askId, { action: blue });
  await until(chat, (s) => s.messages.find((m) => m.content === "Ada likes Blue"), "the result");
  const asked = chat.getSnapshot().messages.filter((m) => m.ask !== undefined);
  assert.deepEqual(
    asked.map((m) => [m.ask?.kind, m.ask?.open, m.ask?.outcome]),
    [
      ["text", false, "answered"],
      ["action", false, "answered"],
    ],
  );
  assert.deepEqual(chat.getSnapshot().actions, [], "an ask's actions are answers, not callable actions");
});

test("stop aborts the running task with reason stop", async (t) => {
  const app = createApp();
  let reason: string | undefined;
  app.onMessage(async (ctx) => {
    await ctx.send("working");
    await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
    reason = abortKind(ctx.signal);
    await ctx.send("never shown: a stopped task's sends are refused");
  });
  app.onStop(async (ctx) => {
    await ctx.send("Stopped.");
  });
  const { url } = await startChat(t, app.seal());
  const chat = client(t, url);
  chat.send("long job");
  await until(chat, (s) => (s.busy && s.messages.some((m) => m.content === "working") ? true : undefined), "busy");
  chat.stop();
  await until(chat, (s) => (!s.busy && s.messages.some((m) => m.content === "Stopped.") ? true : undefined), "stop");
  assert.equal(reason, "stop");
});

test("rate resolves with the stored feedback's id and marks the message's feedback saved", async (t) => {
  const app = createApp();
  const given: { value: number; comment?: string }[] = [];
  app.onChatStart(async (ctx) => {
    await ctx.send("Rate me");
  });
  app.onFeedback((_ctx, feedback) => {
    given.push({ value: feedback.value, ...(feedback.comment ? { comment: feedback.comment } : {}) });
  });
  const { url } = await startChat(t, app.seal());
  const chat = client(t, url);
  const message = await until(chat, (s) => s.messages[0], "the message");
  const saving = chat.rate(message.id, 1);
  assert.equal(chat.getSnapshot().messages[0]?.feedback?.state, "sending");
  const id = await saving;
  assert.equal(await chat.rate(message.id, 0, "too short"), id, "one feedback per message: updated");
  assert.deepEqual(chat.getSnapshot().messages[0]?.feedback, { value: 0, comment: "too short", state: "saved", id });
  assert.deepEqual(given, [{ value: 1 }, { value: 0, comment: "too short" }]);
  const unknown = await chat.rate("nope", 1).catch((error: unknown) => error);
  assert.equal(unknown instanceof ChatwireClientError && unknown.code, "UNKNOWN_MESSAGE");
});

test("window messages both ways: postWindowMessage reaches the app; the app's come as frame events", async (t) => {
  const app = createApp();
  const fromHost: unknown[] = [];
  app.onWindowMessage(async (ctx, data) => {
    fromHost.push(data);
    await ctx.sendWindowMessage({ echo: data });
  });
  const { url } = await startChat(t, app.seal());
  const chat = client(t, url);
  await next(chat, "connected");
  const frames: unknown[] = [];
  chat.on("frame", (frame) => {
    if (frame.type === "window_message") frames.push(frame.data);
  });
  chat.postWindowMessage({ cart: 3 });
  await until(chat, () => (frames.length > 0 ? true : undefined), "the app's window message");
  assert.deepEqual(fromHost, [{ cart: 3 }]);
  assert.deepEqual(frames, [{ echo: { cart: 3 } }]);
});

test("audio from Node: startAudio({ mimeType }) then chunk and end reach the audio hooks in order", async (t) => {
  const app = createApp();
  const chunks: InputAudioChunk[] = [];
  app.onAudioStart(() => true);
  app.onAudioChunk((_ctx, chunk) => {
    chunks.push({ ...chunk, data: new Uint8Array(chunk.data) });
  });
  app.onAudioEnd(async (ctx) => {
    await ctx.send(`got ${chunks.length} chunks`);
  });
  const { url } = await startChat(t, app.seal());
  const chat = client(t, url);
  await next(chat, "connected");
  const audio = chat.startAudio({ mimeType: "audio/pcm" });
  for (let i = 0; i < 3; i++) audio.chunk(new Uint8Array([i, i, i]), i * 0.1);
  audio.end();
  await until(chat, (s) => s.messages.find((m) => m.content === "got 3 chunks"), "onAudioEnd");
  assert.equal(chat.getSnapshot().audio, false, "audio_state false after audio_end");
  assert.deepEqual(
    chunks.map((chunk) => [chunk.isStart, chunk.mimeType, chunk.elapsedTime, [...chunk.data]]),
    [
      [true, "audio/pcm", 0, [0, 0, 0]],
      [false, "audio/pcm", 0.1, [1, 1, 1]],
      [false, "audio/pcm", 0.2, [2, 2, 2]],
    ],
  );
});

test("acks go out every 100 frames and a second after the last, through the WebSocket class given", async (t) => {
  const app = createApp();
  app.onMessage(async (ctx, message) => {
    const reply = await ctx.stream();
    for (let i = 0; i < Number(message.content); i++) await reply.streamToken(`${i} `);
    await reply.endStream();
  });
  const { url } = await startChat(t, app.seal());
  const sent: ClientFrame[] = [];
  class Recording extends WebSocket {
    override send(data: string | Uint8Array): void {
      if (typeof data === "string") sent.push(JSON.parse(data));
      super.send(data);
    }
  }
  const chat = client(t, url, { WebSocket: Recording as unknown as SocketConstructor });
  let lastSeq = 0;
  chat.on("frame", (frame) => {
    lastSeq = frame.seq;
  });
  await next(chat, "connected");
  chat.send("250"); // task_start, stream_start, 250 tokens, stream_end, task_end: 254 session frames at most
  await until(chat, lastReply, "the reply");
  await until(chat, (s) => (s.busy ? undefined : true), "the task's end");
  const acks = () => sent.flatMap((frame) => (frame.type === "ack" ? [frame.seq] : []));
  await eventually(() => (acks().at(-1) === lastSeq ? true : undefined), "the last frame acknowledged", 3000);
  assert.ok(lastSeq > 200, `${lastSeq} frames`);
  assert.deepEqual(acks(), [100, 200, lastSeq], "every 100 frames, then the rest a second later");
  assert.equal(sent[0]?.type, "hello");
});

test("tasks are matched to their request: an action called while onChatStart runs settles at its own task's end", async (t) => {
  const app = createApp();
  let openStart: () => void = () => undefined;
  const startGate = new Promise<void>((resolve) => {
    openStart = resolve;
  });
  let openAction: () => void = () => undefined;
  const actionGate = new Promise<void>((resolve) => {
    openAction = resolve;
  });
  app.onChatStart(async (ctx) => {
    await ctx.send({ content: "Pick", actions: [{ name: "go", label: "Go" }] });
    await startGate;
  });
  app.actionCallback("go", async (ctx) => {
    await actionGate;
    await ctx.send("went");
  });
  const { url } = await startChat(t, app.seal());
  const chat = client(t, url);
  const tasks: string[] = [];
  chat.on("task", (task) => tasks.push(`${task.taskId} ${task.state} ${task.request ?? "-"}`));
  const go = await until(chat, (s) => s.actions[0], "the action");
  let settled = false;
  const called = chat.callAction(go).then(() => {
    settled = true;
  });
  openStart();
  await eventually(() => (tasks.length >= 3 ? true : undefined), "onChatStart's end and the action's start");
  assert.equal(settled, false, "onChatStart's end is not the action's");
  assert.deepEqual(chat.getSnapshot().pressed, [go.id]);
  openAction();
  await called;
  assert.ok(chat.getSnapshot().messages.some((m) => m.content === "went"));
  assert.deepEqual(
    tasks.map((line) => line.replace(/action-\S+/, "action")),
    ["t1 started -", "t1 ended -", "t2 started action", "t2 ended action"],
  );
});
