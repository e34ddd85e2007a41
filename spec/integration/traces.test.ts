// Traces over real sockets (lib/session/traces.ts): with a tracer provider registered through @opentelemetry/api,
// each task and step is a span (name, type, session and thread ids, parent, error status), read with the SDK's
// in-memory exporter; with none registered, nothing is recorded and turns run as before.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { SpanStatusCode, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { createApp } from "../../lib/hooks/registrars.ts";
import { connectClient, type TestClient } from "../../lib/testing/index.ts";
import { startGateway } from "../support/gateway.ts";

/** Registers a provider that records into an in-memory exporter, for this test only. */
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

/** A turn that searches (a step with a nested step), then fails in a step, or answers. */
function searchApp() {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    await ctx.step({ name: "search", type: "tool" }, async (search) => {
      await search.step({ name: "rank", type: "rerank" }, () => "3 hits");
      return "found";
    });
    if (message.content === "fail") {
      await ctx.step({ name: "summarise", type: "llm" }, () => {
        throw new Error("model unavailable");
      });
    }
    if (message.content === "wait") {
      await ctx.step(
        { name: "slow", type: "llm" },
        () => new Promise((resolve) => ctx.signal.addEventListener("abort", resolve)),
      );
    }
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
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

test("each task and step is a span with its type, session and thread ids, nested as the steps are; a failure is an ERROR status", async (t) => {
  const exporter = recordSpans(t);
  const server = await startGateway(t, { hooks: searchApp() });
  const client = await connectClient(server);
  t.after(() => client.close());
  const { sessionId, threadId } = client.welcome ?? assert.fail("no welcome");

  await turn(client, "ok");
  const first = exporter.getFinishedSpans();
  assert.deepEqual(
    first.map((span) => span.name),
    ["rank", "search", "chatwire.task"],
    "a span ends when its step or task does",
  );
  const task = named(first, "chatwire.task");
  const search = named(first, "search");
  const rank = named(first, "rank");
  assert.equal(parentOf(search), task.spanContext().spanId, "a top-level step is a child of its task");
  assert.equal(parentOf(rank), search.spanContext().spanId, "a nested step is a child of its step");
  assert.equal(parentOf(task), undefined);
  assert.equal(new Set(first.map((span) => span.spanContext().traceId)).size, 1, "one trace per task");
  assert.deepEqual(
    [task, search, rank].map((span) => [
      span.attributes["chatwire.session.id"],
      span.attributes["chatwire.thread.id"],
      span.attributes["chatwire.step.type"],
    ]),
    [
      [sessionId, threadId, undefined],
      [sessionId, threadId, "tool"],
      [sessionId, threadId, "rerank"],
    ],
  );
  assert.equal(typeof task.attributes["chatwire.task.id"], "string");
  assert.ok(first.every((span) => span.status.code === SpanStatusCode.UNSET));

  exporter.reset();
  await turn(client, "fail");
  const failed = exporter.getFinishedSpans();
  assert.deepEqual(named(failed, "summarise").status, { code: SpanStatusCode.ERROR, message: "model unavailable" });
  assert.deepEqual(named(failed, "chatwire.task").status, { code: SpanStatusCode.ERROR, message: "model unavailable" });
  assert.equal(named(failed, "search").status.code, SpanStatusCode.UNSET, "a step that succeeded stays UNSET");
  assert.notEqual(
    named(failed, "chatwire.task").spanContext().traceId,
    task.spanContext().traceId,
    "each task is a trace of its own",
  );
});

test("a stopped task's span says so and ends the step the stop left open", async (t) => {
  const exporter = recordSpans(t);
  const server = await startGateway(t, { hooks: searchApp() });
  const client = await connectClient(server);
  t.after(() => client.close());
  client.send({ type: "user_message", id: "m1", content: "wait" });
  const started = await client.until("step");
  for (let step = started; step.step.name !== "slow"; ) step = await client.until("step");
  client.send({ type: "stop" });
  const end = await client.until("task_end");
  assert.equal(end.aborted, true);
  const spans = exporter.getFinishedSpans();
  const task = named(spans, "chatwire.task");
  assert.equal(task.attributes["chatwire.task.aborted"], true);
  assert.equal(task.status.code, SpanStatusCode.UNSET, "a stop is not an error");
  assert.equal(parentOf(named(spans, "slow")), task.spanContext().spanId, "the open step ended with its task");
});

test("turns before a provider is registered record nothing; the turns after it do, on the same gateway", async (t) => {
  trace.disable(); // no global provider: the API's no-op
  const server = await startGateway(t, { hooks: searchApp() });
  const client = await connectClient(server);
  t.after(() => client.close());
  await turn(client, "fail");
  const steps = client.received.flatMap((frame) => (frame.type === "step" && frame.step.end ? [frame.step.name] : []));
  assert.deepEqual(steps, ["rank", "search", "summarise"], "the turn ran as before");

  const exporter = recordSpans(t);
  await turn(client, "ok");
  assert.deepEqual(
    exporter.getFinishedSpans().map((span) => span.name),
    ["rank", "search", "chatwire.task"],
    "only the turn after the provider was registered",
  );
});
