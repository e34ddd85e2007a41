// chatwire/ai-sdk with the real AI SDK (`ai` v6): its chat class (AbstractChat, with a plain state for Node) on a
// ChatwireTransport against a real gateway. A streamed answer arrives whole; steps become tool, reasoning and data
// parts; stop stops the task; a socket cut mid-stream resumes underneath; resumeStream replays a running turn.
import assert from "node:assert/strict";
import { test } from "node:test";
import { AbstractChat, type ChatInit, type ChatState, type ChatStatus, type UIMessage } from "ai";
import { ChatwireTransport } from "../../lib/ai-sdk/index.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import { client, eventually, next, startChat } from "../client/support.ts";

/** The chat's state kept in plain fields (the React and Vue bindings keep it in their own stores). */
class PlainState implements ChatState<UIMessage> {
  status: ChatStatus = "ready";
  error: Error | undefined = undefined;
  messages: UIMessage[] = [];
  pushMessage = (message: UIMessage) => {
    this.messages = [...this.messages, message];
  };
  popMessage = () => {
    this.messages = this.messages.slice(0, -1);
  };
  replaceMessage = (index: number, message: UIMessage) => {
    this.messages = this.messages.map((old, at) => (at === index ? message : old));
  };
  snapshot = <T>(thing: T): T => structuredClone(thing);
}

class NodeChat extends AbstractChat<UIMessage> {
  readonly plain: PlainState;
  constructor(init: ChatInit<UIMessage>) {
    const state = new PlainState();
    super({ ...init, state });
    this.plain = state;
  }
}

const textOf = (message: UIMessage | undefined) =>
  (message?.parts ?? []).flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");

const TOKENS = 300;

function streamingApp() {
  const app = createApp();
  let openGate: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    openGate = resolve;
  });
  const stops: string[] = [];
  app.onChatStart(async (ctx) => {
    await ctx.send("Hello");
  });
  app.onMessage(async (ctx, message) => {
    if (message.content === "count") {
      const reply = await ctx.stream();
      for (let i = 1; i <= TOKENS; i++) {
        if (i === TOKENS / 2) await gate;
        await reply.streamToken(`${i} `);
      }
      await reply.endStream();
    } else if (message.content === "tools") {
      await ctx.step({ name: "search", type: "tool", input: "chatwire" }, (step) => {
        step.output = "3 results";
      });
      await ctx.step({ name: "think", type: "llm" }, (step) => {
        step.output = "the user wants results";
      });
      await ctx.step({ name: "plan", type: "run" }, () => undefined);
      await ctx.send({ content: "Done.", actions: [{ name: "more", label: "More" }] });
    } else {
      await ctx.send("working");
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
      stops.push(String(ctx.signal.reason));
    }
  });
  // A stopped task can no longer send (its sends reject): the last words come from onStop.
  app.onStop(async (ctx) => {
    await ctx.send("Stopped.");
  });
  return { hooks: app.seal(), openGate, stops };
}

const expected = Array.from({ length: TOKENS }, (_, i) => `${i + 1} `).join("");

test("a streamed answer arrives whole, through a socket cut mid-stream", async (t) => {
  const { hooks, openGate } = streamingApp();
  const { url, upgraded } = await startChat(t, hooks);
  const transport = new ChatwireTransport(client(t, url));
  await next(transport.client, "connected");
  const chat = new NodeChat({ id: "c1", transport });
  const sending = chat.sendMessage({ text: "count" });
  await eventually(() => (chat.status === "streaming" ? true : undefined), "streaming");
  await eventually(() => (textOf(chat.lastMessage).endsWith(`${TOKENS / 2 - 1} `) ? true : undefined), "half");
  upgraded.at(-1)?.destroy();
  await next(transport.client, "offline");
  openGate();
  await next(transport.client, "resumed");
  await sending;
  assert.equal(chat.status, "ready");
  assert.deepEqual(
    chat.messages.map((message) => [message.role, textOf(message)]),
    [
      ["user", "count"],
      ["assistant", expected],
    ],
    "every token once, in order, as one text part",
  );
});

test("steps become tool, reasoning and data parts; actions a data part", async (t) => {
  const { hooks } = streamingApp();
  const { url } = await startChat(t, hooks);
  const transport = new ChatwireTransport(url, { reconnect: { initialDelayMs: 20 } });
  t.after(() => transport.client.close());
  const chat = new NodeChat({ id: "c2", transport });
  await chat.sendMessage({ text: "tools" });
  const parts = chat.lastMessage?.parts ?? [];
  const tool = parts.find((part) => part.type === "dynamic-tool");
  assert.deepEqual(tool && { name: tool.toolName, state: tool.state, input: tool.input, output: tool.output }, {
    name: "search",
    state: "output-available",
    input: "chatwire",
    output: "3 results",
  });
  const reasoning = parts.find((part) => part.type === "reasoning");
  assert.equal(reasoning?.type === "reasoning" && reasoning.text, "the user wants results");
  const step = parts.find((part) => part.type === "data-chatwire-step");
  assert.equal(step?.type === "data-chatwire-step" && (step.data as { name: string }).name, "plan");
  const actions = parts.find((part) => part.type === "data-chatwire-actions");
  assert.equal(actions?.type === "data-chatwire-actions" && (actions.data as { label: string }[])[0]?.label, "More");
  assert.equal(textOf(chat.lastMessage), "Done.");
});

test("stop sends chatwire's stop: the task aborts with reason stop and the chat is ready again", async (t) => {
  const { hooks, stops } = streamingApp();
  const { url } = await startChat(t, hooks);
  const transport = new ChatwireTransport(client(t, url));
  const chat = new NodeChat({ id: "c3", transport });
  const sending = chat.sendMessage({ text: "long" });
  await eventually(() => (textOf(chat.lastMessage) === "working" ? true : undefined), "working");
  await chat.stop();
  await sending;
  assert.equal(chat.status, "ready");
  await eventually(() => stops[0], "the app's abort");
  assert.match(stops[0] ?? "", /stop/);
  await eventually(() => (transport.client.getSnapshot().busy ? undefined : true), "the task's end");
  assert.ok(transport.client.getSnapshot().messages.some((message) => message.content === "Stopped."));
  await chat.sendMessage({ text: "tools" });
  assert.equal(textOf(chat.lastMessage), "Done.", "the stopped task's last words are not the next turn's");
});

test("resumeStream replays the running turn from its start, then follows it to the end", async (t) => {
  const { hooks, openGate } = streamingApp();
  const { url } = await startChat(t, hooks);
  const transport = new ChatwireTransport(client(t, url));
  const first = new NodeChat({ id: "c4", transport });
  const sending = first.sendMessage({ text: "count" });
  await eventually(() => (textOf(first.lastMessage).endsWith(`${TOKENS / 2 - 1} `) ? true : undefined), "half");
  // Another chat of the same id (a remounted UI) picks the turn up.
  const second = new NodeChat({ id: "c4", transport, messages: [] });
  const resuming = second.resumeStream();
  openGate();
  await Promise.all([sending, resuming]);
  assert.equal(textOf(second.lastMessage), expected);
  assert.equal(textOf(first.lastMessage), expected);
  assert.equal(await transport.reconnectToStream({ chatId: "c4" }), null, "nothing to resume once it ended");
});
