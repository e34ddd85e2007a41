// The task's and step's spans as the active OpenTelemetry context (lib/session/traces.ts `within`), over real
// sockets: with a provider and the SDK's AsyncLocalStorage context manager registered, a span the app starts in its
// handler is a child of the task's span, one started in a step's callback a child of the step's; two sessions' turns
// at once keep their own parents. Without a context manager (the API's default) the app's spans stay roots.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { context, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createApp } from "../../lib/hooks/registrars.ts";
import { connectClient, type TestClient } from "../../lib/testing/index.ts";
import { startGateway } from "../support/gateway.ts";

function recordSpans(t: TestContext): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  assert.ok(trace.setGlobalTracerProvider(provider), "no other provider was registered");
  t.after(async () => {
    trace.disable();
    await provider.shutdown();
  });
  return exporter;
}

function useContextManager(t: TestContext): void {
  const manager = new AsyncLocalStorageContextManager().enable();
  assert.ok(context.setGlobalContextManager(manager), "no other context manager was registered");
  t.after(() => context.disable());
}

/** The app's own spans, started the way a library would: from whatever context is active. */
const appTracer = () => trace.getTracer("the-app");

/** A turn that starts spans of its own: after an await in the handler, inside a step, and after the step. */
function tracingApp(gate?: Promise<void>) {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    await gate; // both sessions' handlers are in flight at once when a gate is given
    appTracer().startSpan(`before:${message.content}`).end();
    await ctx.step({ name: `step:${message.content}`, type: "tool" }, async () => {
      await new Promise((resolve) => setImmediate(resolve));
      appTracer().startSpan(`inside:${message.content}`).end();
    });
    await appTracer().startActiveSpan(`active:${message.content}`, async (span) => {
      appTracer().startSpan(`nested:${message.content}`).end();
      span.end();
    });
    await ctx.send("done");
  });
  return chat.seal();
}

async function turn(client: TestClient, content: string) {
  client.send({ type: "user_message", id: `m-${content}`, content });
  return client.until("task_end");
}

const named = (spans: readonly ReadableSpan[], name: string) => {
  const span = spans.find((candidate) => candidate.name === name);
  assert.ok(span, `no span named ${name} in ${spans.map((candidate) => candidate.name).join(", ")}`);
  return span;
};
const idOf = (span: ReadableSpan) => span.spanContext().spanId;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

test("with a context manager, the app's spans are children of the running task's span, or of the step they run in", async (t) => {
  const exporter = recordSpans(t);
  useContextManager(t);
  const server = await startGateway(t, { hooks: tracingApp() });
  const client = await connectClient(server);
  t.after(() => client.close());

  await turn(client, "a");
  const spans = exporter.getFinishedSpans();
  const task = named(spans, "chatwire.task");
  const step = named(spans, "step:a");
  assert.equal(parentOf(named(spans, "before:a")), idOf(task), "a span started in the handler");
  assert.equal(parentOf(named(spans, "inside:a")), idOf(step), "a span started in a step's callback");
  assert.equal(parentOf(named(spans, "active:a")), idOf(task), "after the step, the task's span again");
  assert.equal(parentOf(named(spans, "nested:a")), idOf(named(spans, "active:a")), "the app's own active span");
  assert.equal(new Set(spans.map((span) => span.spanContext().traceId)).size, 1, "one trace for the whole turn");
  assert.equal(parentOf(task), undefined, "the task's span is still a root");
});

test("two sessions' turns running at once each keep their own task as parent", async (t) => {
  const exporter = recordSpans(t);
  useContextManager(t);
  let open = () => {};
  const gate = new Promise<void>((resolve) => {
    open = resolve;
  });
  const server = await startGateway(t, { hooks: tracingApp(gate) });
  const [first, second] = await Promise.all([connectClient(server), connectClient(server)]);
  t.after(() => Promise.all([first.close(), second.close()]));
  first.send({ type: "user_message", id: "m-x", content: "x" });
  second.send({ type: "user_message", id: "m-y", content: "y" });
  await Promise.all([first.until("task_start"), second.until("task_start")]);
  open();
  await Promise.all([first.until("task_end"), second.until("task_end")]);

  const spans = exporter.getFinishedSpans();
  const tasks = spans.filter((span) => span.name === "chatwire.task");
  assert.equal(tasks.length, 2);
  const taskOf = (content: string) => {
    const mine = named(spans, `step:${content}`);
    return tasks.find((task) => idOf(task) === parentOf(mine)) ?? assert.fail(`step:${content} has no task parent`);
  };
  for (const content of ["x", "y"]) {
    const task = taskOf(content);
    assert.equal(parentOf(named(spans, `before:${content}`)), idOf(task), `${content}'s span under its own task`);
    assert.equal(parentOf(named(spans, `active:${content}`)), idOf(task));
    assert.equal(task.attributes["chatwire.session.id"], (content === "x" ? first : second).welcome?.sessionId);
  }
  assert.notEqual(idOf(taskOf("x")), idOf(taskOf("y")));
});

test("without a context manager the app's spans are roots, and the turn runs as before", async (t) => {
  context.disable(); // the API's default: no active context to carry
  const exporter = recordSpans(t);
  const server = await startGateway(t, { hooks: tracingApp() });
  const client = await connectClient(server);
  t.after(() => client.close());

  await turn(client, "b");
  const spans = exporter.getFinishedSpans();
  assert.equal(parentOf(named(spans, "before:b")), undefined);
  assert.equal(parentOf(named(spans, "inside:b")), undefined);
  assert.equal(parentOf(named(spans, "step:b")), idOf(named(spans, "chatwire.task")), "chatwire's own nesting stays");
  assert.ok(client.received.some((frame) => frame.type === "message_new" && frame.message.content === "done"));
});
