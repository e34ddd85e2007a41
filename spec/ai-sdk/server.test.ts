// chatwire/ai-sdk/server with the real AI SDK (`ai` v6) and its own mock model (MockLanguageModelV3 from `ai/test`),
// through a real gateway and a real WebSocket client: each model call an `llm` step, reasoning and tools nested
// under it, the text streamed into one answer, usage reported; a tool's error, a stream error, and stop.
import assert from "node:assert/strict";
import { test } from "node:test";
import type { LanguageModelV3StreamPart } from "@ai-sdk/provider";
import { stepCountIs, streamText, tool } from "ai";
import { MockLanguageModelV3, simulateReadableStream } from "ai/test";
import { TaskAborted } from "chatwire"; // the gateway runs from dist/ (spec/support/gateway.ts): its class
import { z } from "zod";
import { streamTextToSession } from "../../lib/ai-sdk/server/index.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import type { ServerFrame } from "../../lib/protocol/server.ts";
import type { StepView } from "../../lib/protocol/views.ts";
import { connectClient, type TestClient } from "../../lib/testing/index.ts";
import { startGateway } from "../support/gateway.ts";

const usage = (input: number, output: number) => ({
  inputTokens: { total: input, noCache: input, cacheRead: undefined, cacheWrite: undefined },
  outputTokens: { total: output, text: output, reasoning: undefined },
});

const finish = (reason: "stop" | "tool-calls", input: number, output: number): LanguageModelV3StreamPart => ({
  type: "finish",
  finishReason: { unified: reason, raw: reason },
  usage: usage(input, output),
});

/** One model call's stream, from its parts. */
const call = (parts: LanguageModelV3StreamPart[]) => ({ stream: simulateReadableStream({ chunks: parts }) });

/** The first call thinks and asks for the weather; the second answers in two deltas. */
function weatherModel() {
  return new MockLanguageModelV3({
    modelId: "mock-weather",
    doStream: [
      call([
        { type: "stream-start", warnings: [] },
        { type: "reasoning-start", id: "r1" },
        { type: "reasoning-delta", id: "r1", delta: "Need the " },
        { type: "reasoning-delta", id: "r1", delta: "weather." },
        { type: "reasoning-end", id: "r1" },
        { type: "tool-call", toolCallId: "call-1", toolName: "weather", input: '{"city":"Oslo"}' },
        finish("tool-calls", 10, 4),
      ]),
      call([
        { type: "stream-start", warnings: [] },
        { type: "text-start", id: "t1" },
        { type: "text-delta", id: "t1", delta: "Oslo: " },
        { type: "text-delta", id: "t1", delta: "3°C" },
        { type: "text-end", id: "t1" },
        finish("stop", 20, 3),
      ]),
    ],
  });
}

const weather = (execute: (input: { city: string }) => Promise<{ celsius: number }>) =>
  tool({ description: "The weather in a city", inputSchema: z.object({ city: z.string() }), execute });

/** The frames of one turn, from the user's message to task_end. */
async function turn(client: TestClient, content: string) {
  const from = client.received.length;
  client.send({ type: "user_message", id: `m-${content}`, content });
  const end = await client.until("task_end");
  return { end, frames: client.received.slice(from) };
}

/** The last state of each step sent (its end, when it ended), in the order the steps started. */
function stepsOf(frames: readonly ServerFrame[]): StepView[] {
  const steps = new Map<string, StepView>();
  for (const frame of frames) if (frame.type === "step") steps.set(frame.step.id, frame.step);
  return [...steps.values()];
}

test("a streamText run becomes llm steps with reasoning and tool steps nested under them, then one streamed answer with its usage", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    const result = streamText({
      model: weatherModel(),
      prompt: message.content,
      tools: { weather: weather(async () => ({ celsius: 3 })) },
      stopWhen: stepCountIs(3),
      abortSignal: ctx.signal,
    });
    const outcome = await streamTextToSession(ctx, result, { message: { author: "Forecaster" } });
    await ctx.send(`outcome: ${outcome.text} (${outcome.finishReason})`);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  const { frames } = await turn(client, "weather in Oslo?");

  const [firstCall, thinking, toolCall, secondCall, ...more] = stepsOf(frames);
  assert.deepEqual(more, []);
  assert.deepEqual(
    [firstCall, thinking, toolCall, secondCall].map((step) => [step?.name, step?.type, step?.parentId]),
    [
      ["LLM", "llm", undefined],
      ["Reasoning", "undefined", firstCall?.id],
      ["weather", "tool", firstCall?.id],
      ["LLM", "llm", undefined],
    ],
  );
  assert.equal(thinking?.output, "Need the weather.");
  assert.deepEqual(
    frames.flatMap((frame) => (frame.type === "step_token" && frame.id === thinking?.id ? [frame.token] : [])),
    ["Need the ", "weather."],
    "reasoning is streamed into its step token by token",
  );
  assert.deepEqual(JSON.parse(toolCall?.input ?? ""), { city: "Oslo" });
  assert.deepEqual(JSON.parse(toolCall?.output ?? ""), { celsius: 3 });
  assert.equal(toolCall?.error, undefined);
  assert.equal(secondCall?.output, "Oslo: 3°C", "a model call's step shows the text it wrote");
  for (const step of [firstCall, thinking, toolCall, secondCall]) assert.ok(step?.end, `${step?.name} ended`);

  const start = frames.find((frame) => frame.type === "stream_start");
  assert.equal(start?.type === "stream_start" && start.message.author, "Forecaster");
  const tokens = frames.flatMap((frame) => (frame.type === "stream_token" ? [frame.token] : []));
  assert.deepEqual(tokens, ["Oslo: ", "3°C"]);
  const end = frames.find((frame) => frame.type === "stream_end");
  assert.equal(end?.type === "stream_end" && end.content, "Oslo: 3°C");
  const used = frames.find((frame) => frame.type === "usage");
  assert.deepEqual(used?.type === "usage" && [used.reported, used.model], [
    { inputTokens: 30, outputTokens: 7 },
    "mock-weather",
  ]);
  const said = frames.find((frame) => frame.type === "message_new");
  assert.equal(said?.type === "message_new" && said.message.content, "outcome: Oslo: 3°C (stop)");
});

test("a tool that throws ends its step with the error, and the model's next call still answers", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    const result = streamText({
      model: weatherModel(),
      prompt: message.content,
      tools: { weather: weather(async () => Promise.reject(new Error("station offline"))) },
      stopWhen: stepCountIs(3),
    });
    await streamTextToSession(ctx, result);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  const { frames } = await turn(client, "weather?");
  const toolStep = stepsOf(frames).find((step) => step.type === "tool");
  assert.equal(toolStep?.error, "station offline");
  assert.equal(toolStep?.output, undefined);
  const end = frames.find((frame) => frame.type === "stream_end");
  assert.equal(end?.type === "stream_end" && end.content, "Oslo: 3°C");
  assert.equal(frames.filter((frame) => frame.type === "error").length, 0);
});

test("an error in the model's stream ends the open step with it and fails the turn with HANDLER_FAILED", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    const model = new MockLanguageModelV3({
      doStream: call([
        { type: "stream-start", warnings: [] },
        { type: "text-start", id: "t1" },
        { type: "text-delta", id: "t1", delta: "Half" },
        { type: "error", error: new Error("provider overloaded") },
      ]),
    });
    await streamTextToSession(ctx, streamText({ model, prompt: message.content, onError: () => undefined }));
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  const { frames } = await turn(client, "hi");
  const [llm] = stepsOf(frames);
  assert.equal(llm?.type, "llm");
  assert.equal(llm?.error, "provider overloaded");
  assert.ok(llm?.end);
  const error = frames.find((frame) => frame.type === "error");
  assert.equal(error?.type === "error" && error.code, "HANDLER_FAILED");
  const tokens = frames.flatMap((frame) => (frame.type === "stream_token" ? [frame.token] : []));
  assert.deepEqual(tokens, ["Half"], "what was streamed before the error stays");
});

test("stop aborts the model call through ctx.signal and ends the turn quietly with the stop's reason", async (t) => {
  const chat = createApp();
  let model: MockLanguageModelV3 | undefined;
  let thrown: unknown;
  chat.onMessage(async (ctx, message) => {
    // The model writes one delta and then waits, as a slow provider would, until its call is aborted.
    model = new MockLanguageModelV3({
      doStream: async ({ abortSignal }) => ({
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          start(controller) {
            controller.enqueue({ type: "stream-start", warnings: [] });
            controller.enqueue({ type: "text-start", id: "t1" });
            controller.enqueue({ type: "text-delta", id: "t1", delta: "Once upon" });
            abortSignal?.addEventListener("abort", () => controller.error(abortSignal.reason));
          },
        }),
      }),
    });
    try {
      await streamTextToSession(ctx, streamText({ model, prompt: message.content, abortSignal: ctx.signal }));
    } catch (error) {
      thrown = error;
      throw error;
    }
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  client.send({ type: "user_message", id: "m1", content: "a long story" });
  const token = await client.until("stream_token");
  assert.equal(token.token, "Once upon");
  client.send({ type: "stop" });
  const end = await client.until("task_end");
  assert.equal(end.aborted, true);
  assert.equal(model?.doStreamCalls[0]?.abortSignal?.aborted, true, "the model call's own signal was aborted");
  assert.ok(thrown instanceof TaskAborted && thrown.kind === "stop", "streamTextToSession rethrew the stop");
  assert.equal(stepsOf(client.received)[0]?.type, "llm", "the model call's step had started");
  assert.equal(client.received.filter((frame) => frame.type === "error").length, 0, "a stop is not a failure");
});

test("stop ends the turn even when the model call was not given ctx.signal and never ends", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    const model = new MockLanguageModelV3({
      doStream: async () => ({
        stream: new ReadableStream<LanguageModelV3StreamPart>({
          start(controller) {
            controller.enqueue({ type: "stream-start", warnings: [] });
            controller.enqueue({ type: "text-start", id: "t1" });
            controller.enqueue({ type: "text-delta", id: "t1", delta: "Once upon" }); // and nothing more, ever
          },
        }),
      }),
    });
    await streamTextToSession(ctx, streamText({ model, prompt: message.content }));
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  client.send({ type: "user_message", id: "m1", content: "a long story" });
  assert.equal((await client.until("stream_token")).token, "Once upon");
  client.send({ type: "stop" });
  const end = await client.until("task_end");
  assert.equal(end.aborted, true);
  const stopped = client.received.find((frame) => frame.type === "stream_end");
  assert.equal(stopped?.type === "stream_end" && stopped.content, "Once upon", "the partial answer stays, ended");
});
