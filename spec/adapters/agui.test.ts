// The AG-UI endpoint with AG-UI's reference client (@ag-ui/client's HttpAgent) against a real listening server:
// every event it receives validates against @ag-ui/core's schemas, runs of one thread share ctx.state, steps
// become tool calls, an ask round-trips as an interrupt, errors end a run with RUN_ERROR, and a thread runs one
// run at a time.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { BaseEvent } from "@ag-ui/client";
import { HttpAgent } from "@ag-ui/client";
import { EventSchemas } from "@ag-ui/core/schemas";
import { createApp } from "chatwire";
import { eventually, pause, startGateway } from "../support/gateway.ts";

type Turns = { turns: number };

function turnsApp() {
  const chat = createApp<Turns>();
  chat.onChatStart((ctx) => {
    ctx.state.set("turns", 0);
  });
  chat.onMessage(async (ctx, message) => {
    const turns = (ctx.state.get("turns") ?? 0) + 1;
    ctx.state.set("turns", turns);
    if (message.content === "fail") throw new Error("boom");
    if (message.content === "tool") {
      await ctx.step({ name: "search", type: "tool", input: '{"q":"oslo"}' }, (step) => {
        step.output = "3 results";
      });
    }
    if (message.content === "ask") {
      const name = await ctx.askText({ content: "Your name?", timeoutMs: 10_000 });
      await ctx.send(`Hello ${name}`);
      return;
    }
    const reply = await ctx.stream();
    for (const token of ["You ", "said: ", message.content]) await reply.streamToken(token);
    await reply.endStream();
    await ctx.send(`turn ${turns}`);
  });
  return chat;
}

const urlOf = (server: { server: { address(): unknown } }, path = "/ag-ui") => {
  const { port } = server.server.address() as { port: number };
  return `http://127.0.0.1:${port}${path}`;
};

/** Runs one user turn with the reference client, collecting (and validating) every event. */
async function turn(agent: HttpAgent, content: string, resume?: { interruptId: string; payload: unknown }[]) {
  const events: BaseEvent[] = [];
  if (content !== "") agent.addMessage({ id: crypto.randomUUID(), role: "user", content });
  const params =
    resume === undefined ? {} : { resume: resume.map((entry) => ({ ...entry, status: "resolved" as const })) };
  let failure: unknown;
  await agent
    .runAgent(params, {
      onEvent({ event }) {
        const parsed = EventSchemas.safeParse(event);
        assert.ok(parsed.success, `invalid AG-UI event ${JSON.stringify(event)}: ${parsed.error?.message}`);
        events.push(event);
      },
    })
    .catch((error: unknown) => {
      failure = error;
    });
  return { events, failure, types: events.map((event) => event.type) };
}

const textOf = (events: BaseEvent[]) =>
  events
    .filter((event) => event.type === "TEXT_MESSAGE_CONTENT")
    .map((event) => (event as unknown as { delta: string }).delta)
    .join("|");

test("AG-UI: runs of one thread stream text, keep ctx.state, and end with a state snapshot", async (t) => {
  const server = await startGateway(t, { hooks: turnsApp().seal(), protocols: { agui: true } });
  const agent = new HttpAgent({ url: urlOf(server), threadId: "thread-1" });

  const first = await turn(agent, "hi");
  assert.equal(first.failure, undefined);
  assert.equal(first.types[0], "RUN_STARTED");
  assert.equal(first.types.at(-1), "RUN_FINISHED");
  assert.equal(textOf(first.events), "You |said: |hi|turn 1");
  const snapshot = first.events.find((event) => event.type === "STATE_SNAPSHOT") as unknown as { snapshot: Turns };
  assert.deepEqual(snapshot.snapshot, { turns: 1 });

  const second = await turn(agent, "again");
  assert.equal(textOf(second.events), "You |said: |again|turn 2", "the second run sees the first run's state");
  // The reference client folds the events into its conversation.
  const assistant = agent.messages.filter((message) => message.role === "assistant").map((m) => m.content);
  assert.deepEqual(assistant, ["You said: hi", "turn 1", "You said: again", "turn 2"]);

  // Another thread is another session.
  const other = new HttpAgent({ url: urlOf(server), threadId: "thread-2" });
  assert.match(textOf((await turn(other, "x")).events), /turn 1$/);
});

test("AG-UI: a tool step becomes TOOL_CALL_START/ARGS/END/RESULT", async (t) => {
  const server = await startGateway(t, { hooks: turnsApp().seal(), protocols: { agui: { path: "/agent" } } });
  const agent = new HttpAgent({ url: urlOf(server, "/agent"), threadId: "tools" });
  const { events, types, failure } = await turn(agent, "tool");
  assert.equal(failure, undefined);
  const tools = types.filter((type) => type.startsWith("TOOL_CALL"));
  assert.deepEqual(tools, ["TOOL_CALL_START", "TOOL_CALL_ARGS", "TOOL_CALL_END", "TOOL_CALL_RESULT"]);
  const start = events.find((event) => event.type === "TOOL_CALL_START") as unknown as { toolCallName: string };
  assert.equal(start.toolCallName, "search");
  const result = events.find((event) => event.type === "TOOL_CALL_RESULT") as unknown as { content: string };
  assert.equal(result.content, "3 results");
});

test("AG-UI: an ask ends the run with an interrupt; the next run's resume answers it", async (t) => {
  const server = await startGateway(t, { hooks: turnsApp().seal(), protocols: { agui: true } });
  const agent = new HttpAgent({ url: urlOf(server), threadId: "asks" });
  const asked = await turn(agent, "ask");
  const finished = asked.events.at(-1) as unknown as {
    type: string;
    outcome: { type: string; interrupts: { id: string; message: string }[] };
  };
  assert.equal(finished.type, "RUN_FINISHED");
  assert.equal(finished.outcome.type, "interrupt");
  const [interrupt] = finished.outcome.interrupts;
  assert.equal(interrupt?.message, "Your name?");
  const answered = await turn(agent, "", [{ interruptId: interrupt?.id ?? "", payload: "Ada" }]);
  assert.equal(answered.failure, undefined);
  assert.equal(textOf(answered.events), "Hello Ada");
  assert.equal(answered.types.at(-1), "RUN_FINISHED");
});

test("AG-UI: a failing handler ends the run with RUN_ERROR; the thread goes on", async (t) => {
  const server = await startGateway(t, { hooks: turnsApp().seal(), protocols: { agui: true } });
  const agent = new HttpAgent({ url: urlOf(server), threadId: "errors" });
  const failed = await turn(agent, "fail");
  const error = failed.events.at(-1) as unknown as { type: string; code: string };
  assert.equal(error.type, "RUN_ERROR");
  assert.equal(error.code, "HANDLER_FAILED");
  const next = await turn(agent, "ok");
  assert.equal(next.failure, undefined);
  assert.match(textOf(next.events), /turn 2$/);
});

test("AG-UI: bad bodies, foreign origins, unauthenticated requests and concurrent runs are refused", async (t) => {
  let release = () => {};
  const blocked = new Promise<void>((resolve) => {
    release = resolve;
  });
  const chat = createApp();
  chat.headerAuth((headers) => (headers["x-user"] === "ada" ? { identifier: "ada" } : undefined));
  chat.onMessage(async (ctx) => {
    await blocked;
    await ctx.send("done");
  });
  const server = await startGateway(t, { hooks: chat.seal(), protocols: { agui: true } });
  const url = urlOf(server);
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "x-user": "ada", ...headers },
      body: JSON.stringify(body),
    });
  const run = { threadId: "t", runId: "r1", messages: [{ id: "m1", role: "user", content: "hi" }] };

  const bad = await post({ threadId: "t", messages: [] });
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { code: string }).code, "BAD_FRAME");
  const stranger = await post(run, { "x-user": "eve" });
  assert.equal(stranger.status, 401);
  assert.equal(((await stranger.json()) as { code: string }).code, "UNAUTHENTICATED");
  const foreign = await post(run, { origin: "https://evil.example" });
  assert.equal(foreign.status, 403);

  const running = await post(run);
  assert.equal(running.status, 200);
  assert.equal(running.headers.get("content-type"), "text/event-stream");
  const second = await post({ ...run, runId: "r2" });
  assert.equal(second.status, 409);
  assert.equal(((await second.json()) as { code: string }).code, "RUN_IN_PROGRESS");
  release();
  const text = await running.text();
  assert.match(text, /"RUN_FINISHED"/);
  assert.match(text, /"delta":"done"/);
});

test("AG-UI: aborting a run stops its task (reason stop); the next run goes on", async (t) => {
  const chat = createApp();
  const stopped: string[] = [];
  chat.onMessage(async (ctx, message) => {
    if (message.content === "slow") {
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
      stopped.push(String((ctx.signal.reason as { kind?: string }).kind));
      return;
    }
    await ctx.send(`got ${message.content}`);
  });
  const server = await startGateway(t, { hooks: chat.seal(), protocols: { agui: true } });
  const agent = new HttpAgent({ url: urlOf(server), threadId: "abort" });
  agent.addMessage({ id: "m1", role: "user", content: "slow" });
  const running = agent.runAgent({}, { onRunStartedEvent: () => void setTimeout(() => agent.abortRun(), 20) });
  await running.catch(() => undefined);
  await eventually(() => stopped.length === 1);
  assert.deepEqual(stopped, ["stop"]);
  const next = await turn(agent, "after");
  assert.equal(next.failure, undefined);
  assert.match(textOf(next.events), /got after/);
});

test("AG-UI with persistence: a user's thread reopens after its session ended (onChatResume, state restored)", async (t) => {
  const chat = createApp<Turns>();
  const resumed: string[] = [];
  chat.headerAuth((headers) => (typeof headers["x-user"] === "string" ? { identifier: headers["x-user"] } : undefined));
  chat.onChatResume((_ctx, thread) => {
    resumed.push(thread.id);
  });
  chat.onMessage(async (ctx) => {
    const turns = (ctx.state.get("turns") ?? 0) + 1;
    ctx.state.set("turns", turns);
    await ctx.send(`turn ${turns}`);
  });
  const server = await startGateway(t, {
    hooks: chat.seal(),
    data: "memory",
    reconnectGraceMs: 30,
    protocols: { agui: true },
  });
  const agent = new HttpAgent({ url: urlOf(server), threadId: "kept", headers: { "x-user": "ada" } });
  assert.equal(textOf((await turn(agent, "one")).events), "turn 1");
  await pause(200); // the session ends (grace 30 ms) and its thread is stored
  assert.equal(textOf((await turn(agent, "two")).events), "turn 2", "the state came back from the stored thread");
  assert.deepEqual(resumed, ["kept"]);

  // Someone else cannot take over the thread id.
  const eve = new HttpAgent({ url: urlOf(server), threadId: "kept", headers: { "x-user": "eve" } });
  const refused = await turn(eve, "mine?");
  assert.ok(refused.failure !== undefined, "eve's run fails");
});
