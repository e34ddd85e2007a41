// chatwire/langchain with the real @langchain/core and its own fakes (FakeListChatModel, FakeStreamingChatModel,
// FakeRetriever), through a real gateway and a real WebSocket client: runs as nested steps by run id, the plumbing
// runs skipped, tokens streamed into the LLM's step or into the answer, a failing tool's error on its step.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Document } from "@langchain/core/documents";
import { AIMessage, AIMessageChunk } from "@langchain/core/messages";
import { StringOutputParser } from "@langchain/core/output_parsers";
import type { ChatResult } from "@langchain/core/outputs";
import { ChatPromptTemplate } from "@langchain/core/prompts";
import { type RunnableConfig, RunnableLambda } from "@langchain/core/runnables";
import { tool } from "@langchain/core/tools";
import { FakeListChatModel, FakeRetriever, FakeStreamingChatModel } from "@langchain/core/utils/testing";
import { z } from "zod";
import { createApp } from "../../lib/hooks/registrars.ts";
import { DEFAULT_IGNORED_RUNS, LangchainCallbackHandler } from "../../lib/langchain/index.ts";
import type { ServerFrame } from "../../lib/protocol/server.ts";
import type { StepView } from "../../lib/protocol/views.ts";
import { connectClient, type TestClient } from "../../lib/testing/index.ts";
import { startGateway } from "../support/gateway.ts";

/** Retrieves, calls a tool, then streams a prompt | model | parser chain: a small RAG agent, named "Forecast". */
function forecastChain(model: FakeListChatModel | FakeStreamingChatModel, weatherFails = false) {
  const retriever = new FakeRetriever({ output: [new Document({ pageContent: "Oslo is cold in winter" })] });
  const weather = tool(
    async ({ city }) => {
      if (weatherFails) throw new Error("station offline");
      return `${city}: 3°C`;
    },
    { name: "weather", description: "The weather in a city", schema: z.object({ city: z.string() }) },
  );
  const answer = ChatPromptTemplate.fromTemplate("{context}\n{question}").pipe(model).pipe(new StringOutputParser());
  return RunnableLambda.from(async (question: string, config?: RunnableConfig) => {
    const documents = await retriever.invoke(question, config);
    const now = await weather.invoke({ city: "Oslo" }, config).catch(() => "unknown");
    const context = `${documents.map((document) => document.pageContent).join("\n")}\n${now}`;
    let said = "";
    for await (const chunk of await answer.stream({ context, question }, config)) said += chunk;
    return said;
  }).withConfig({ runName: "Forecast" });
}

/** The last state of each step sent (its end, when it ended), in the order the steps started. */
function stepsOf(frames: readonly ServerFrame[]): StepView[] {
  const steps = new Map<string, StepView>();
  for (const frame of frames) if (frame.type === "step") steps.set(frame.step.id, frame.step);
  return [...steps.values()];
}

/** A step's name and type, and its parent's name. */
function tree(steps: readonly StepView[]): [string, string, string | undefined][] {
  const names = new Map(steps.map((step) => [step.id, step.name]));
  return steps.map((step) => [
    step.name,
    step.type,
    step.parentId === undefined ? undefined : names.get(step.parentId),
  ]);
}

async function turn(client: TestClient, content: string) {
  const from = client.received.length;
  client.send({ type: "user_message", id: `m-${content}`, content });
  await client.until("task_end");
  return client.received.slice(from);
}

test("a chain's runs become nested steps by run id; the sequence plumbing is skipped; tokens stream into the LLM's step", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    const model = new FakeListChatModel({ responses: ["Wear a coat"] });
    const said = await forecastChain(model).invoke(message.content, { callbacks: [new LangchainCallbackHandler(ctx)] });
    await ctx.send(said);
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  const frames = await turn(client, "Weather in Oslo?");
  const steps = stepsOf(frames);
  assert.deepEqual(tree(steps), [
    ["Forecast", "run", undefined],
    ["FakeRetriever", "retrieval", "Forecast"],
    ["weather", "tool", "Forecast"],
    // prompt | model | parser is a RunnableSequence (skipped): its runs sit under Forecast, not under it
    ["ChatPromptTemplate", "run", "Forecast"],
    ["FakeListChatModel", "llm", "Forecast"],
    ["StrOutputParser", "run", "Forecast"],
  ]);
  assert.ok(DEFAULT_IGNORED_RUNS.includes("RunnableSequence"));
  const [forecast, retrieval, weather, prompt, llm] = steps;
  assert.equal(forecast?.input, "Weather in Oslo?");
  assert.equal(forecast?.output, "Wear a coat");
  assert.equal(retrieval?.input, "Weather in Oslo?");
  assert.deepEqual(JSON.parse(retrieval?.output ?? ""), ["Oslo is cold in winter"]);
  assert.deepEqual(JSON.parse(weather?.input ?? ""), { city: "Oslo" });
  assert.equal(weather?.output, "Oslo: 3°C");
  assert.equal(prompt?.output, "human: Oslo is cold in winter\nOslo: 3°C\nWeather in Oslo?");
  assert.equal(llm?.input, "human: Oslo is cold in winter\nOslo: 3°C\nWeather in Oslo?");
  assert.equal(llm?.output, "Wear a coat");
  const tokens = frames.flatMap((frame) => (frame.type === "step_token" && frame.id === llm?.id ? [frame.token] : []));
  assert.ok(tokens.length > 1, "the model's tokens were streamed one by one");
  assert.equal(tokens.join(""), "Wear a coat");
  for (const step of steps) assert.ok(step.end, `${step.name} ended`);
  assert.equal(frames.filter((frame) => frame.type === "stream_start").length, 0, "no answer was streamed");
  const reply = frames.find((frame) => frame.type === "message_new");
  assert.equal(reply?.type === "message_new" && reply.message.content, "Wear a coat");
});

test('tokens: "answer" streams the model\'s tokens into an answer message; its step still gets the whole output', async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    const chunks = ["Wear ", "a ", "coat"].map((content) => new AIMessageChunk({ content }));
    const model = new FakeStreamingChatModel({ chunks });
    const handler = new LangchainCallbackHandler(ctx, { tokens: "answer", answer: { author: "Forecaster" } });
    await forecastChain(model).invoke(message.content, { callbacks: [handler] });
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  const frames = await turn(client, "Weather?");
  const start = frames.find((frame) => frame.type === "stream_start");
  assert.equal(start?.type === "stream_start" && start.message.author, "Forecaster");
  const tokens = frames.flatMap((frame) => (frame.type === "stream_token" ? [frame.token] : []));
  assert.deepEqual(tokens, ["Wear ", "a ", "coat"]);
  const end = frames.find((frame) => frame.type === "stream_end");
  assert.equal(end?.type === "stream_end" && end.content, "Wear a coat");
  const llm = stepsOf(frames).find((step) => step.type === "llm");
  assert.equal(llm?.name, "FakeStreamingChatModel");
  assert.equal(llm?.output, "Wear a coat");
  assert.equal(frames.filter((frame) => frame.type === "step_token").length, 0, "no tokens went into the step");
});

test("a tool that throws ends its step with the error; a chain that throws ends its step with the error too", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    const handler = new LangchainCallbackHandler(ctx);
    if (message.content === "tool") {
      await forecastChain(new FakeListChatModel({ responses: ["Maybe a coat"] }), true).invoke("?", {
        callbacks: [handler],
      });
      return;
    }
    const failing = RunnableLambda.from(async () => {
      throw new Error("index unavailable");
    }).withConfig({ runName: "Lookup" });
    await failing.invoke("?", { callbacks: [handler] }).catch(() => ctx.send("lookup failed"));
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());

  const steps = stepsOf(await turn(client, "tool"));
  const weather = steps.find((step) => step.name === "weather");
  assert.equal(weather?.error, "station offline");
  assert.ok(weather?.end);
  assert.equal(steps.find((step) => step.name === "Forecast")?.output, "Maybe a coat", "the chain went on");

  const frames = await turn(client, "chain");
  const [lookup, ...others] = stepsOf(frames);
  assert.deepEqual(others, []);
  assert.equal(lookup?.name, "Lookup");
  assert.equal(lookup?.error, "index unavailable");
  assert.ok(lookup?.end);
});

test("a run named in `ignore` is not shown, and its children go under its parent (a copy keeps the options)", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    const handler = new LangchainCallbackHandler(ctx, {
      ignore: [...DEFAULT_IGNORED_RUNS, "Forecast", "ChatPromptTemplate"],
    });
    await forecastChain(new FakeListChatModel({ responses: ["Coat"] })).invoke(message.content, {
      callbacks: [handler.copy()],
    });
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  assert.deepEqual(tree(stepsOf(await turn(client, "Weather?"))), [
    ["FakeRetriever", "retrieval", undefined],
    ["weather", "tool", undefined],
    ["FakeListChatModel", "llm", undefined],
    ["StrOutputParser", "run", undefined],
  ]);
});

/** A FakeListChatModel whose answers carry token usage, as real chat models' messages do (`usage_metadata`), and
 * whose runs name their model (`ls_model_name`, as ChatOpenAI's do). */
class MeteredChatModel extends FakeListChatModel {
  override getLsParams(...args: Parameters<FakeListChatModel["getLsParams"]>) {
    return { ...super.getLsParams(...args), ls_model_name: "metered-1" };
  }

  override async _generate(...args: Parameters<FakeListChatModel["_generate"]>): Promise<ChatResult> {
    const result = await super._generate(...args);
    const [generation] = result.generations;
    if (generation !== undefined) {
      const usage = { input_tokens: 12, output_tokens: 5, total_tokens: 17 };
      // Assigned, not passed: @langchain/core 1.4 infers the field's type as `undefined` for a plain AIMessage.
      generation.message = Object.assign(new AIMessage(generation.text), { usage_metadata: usage });
    }
    return result;
  }
}

test("each model call's token usage is reported to the turn (a usage frame), unless `usage: false`", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    const model = new MeteredChatModel({ responses: ["Yes", "No"] });
    const handler = new LangchainCallbackHandler(ctx, { usage: message.content !== "quiet" });
    await model.invoke(message.content, { callbacks: [handler] });
    await model.invoke(message.content, { callbacks: [handler] });
  });
  const server = await startGateway(t, { hooks: chat.seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  const frames = await turn(client, "twice?");
  const reports = frames.flatMap((frame) => (frame.type === "usage" ? [frame] : []));
  assert.deepEqual(
    reports.map((frame) => [frame.reported.inputTokens, frame.reported.outputTokens, frame.turn.inputTokens]),
    [
      [12, 5, 12],
      [12, 5, 24],
    ],
  );
  assert.deepEqual(
    reports.map((frame) => frame.model),
    ["metered-1", "metered-1"],
  );
  const quiet = await turn(client, "quiet");
  assert.equal(quiet.filter((frame) => frame.type === "usage").length, 0);
});
