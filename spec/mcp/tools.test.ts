// ctx.mcp.call against a real streamable HTTP server: each call is a `tool` step on the wire (input, output, error),
// results are bounded, and a call aborts with the task's signal when the user stops it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ChatContext, createApp, isAbortOf, isChatwireError, type McpPolicy } from "chatwire";
import type { ServerFrameOf } from "chatwire/protocol";
import { connectClient, type TestClient } from "chatwire/testing";
import { eventually, startGateway } from "../support/gateway.ts";
import { startHttpMcpServer } from "./servers.ts";

type Step = ServerFrameOf<"step">["step"];

/** A gateway whose onMessage runs `handle`, and a client with the test server connected as "local". */
async function connected(
  t: import("node:test").TestContext,
  handle: (ctx: ChatContext, content: string) => Promise<void>,
  policy: McpPolicy = {},
): Promise<TestClient> {
  const mcp = await startHttpMcpServer(t);
  const chat = createApp();
  chat.onMessage((ctx, message) => handle(ctx, message.content));
  const mcpPolicy = { allowHosts: ["127.0.0.1"], allowPrivateAddresses: true, ...policy };
  const server = await startGateway(t, { hooks: chat.seal(), mcp: mcpPolicy });
  const client = await connectClient(server);
  t.after(() => client.close());
  client.send({
    type: "mcp_connect",
    id: "c1",
    connection: { name: "local", transport: "streamable-http", url: mcp.url },
  });
  await client.until("mcp_connected", 5000);
  return client;
}

/** The last state of each tool step received, by id. */
const toolSteps = (client: TestClient): Step[] => {
  const byId = new Map<string, Step>();
  for (const frame of client.received)
    if (frame.type === "step" && frame.step.type === "tool") byId.set(frame.step.id, frame.step);
  return [...byId.values()];
};

test("a tool call is a tool step with its input and output; the handler gets the result", async (t) => {
  const client = await connected(t, async (ctx, content) => {
    assert.deepEqual(
      ctx.mcp
        .tools("local")
        .map((tool) => [tool.server, tool.name])
        .sort(),
      [
        ["local", "big"],
        ["local", "echo"],
        ["local", "fail"],
        ["local", "slow"],
      ],
    );
    const result = await ctx.mcp.call("local", "echo", { text: content });
    const [part] = result.content;
    await ctx.send(`got ${part?.type === "text" ? part.text : "?"}`);
  });
  client.send({ type: "user_message", id: "m1", content: "hi" });
  assert.equal((await client.until("message_new", 5000)).message.content, "got echo: hi");
  const [step, ...more] = toolSteps(client);
  assert.equal(more.length, 0);
  assert.equal(step?.name, "echo");
  assert.equal(step?.input, JSON.stringify({ text: "hi" }));
  assert.equal(step?.output, "echo: hi");
  assert.equal(step?.error, undefined);
  assert.ok(step?.end !== undefined, "the step ended");
});

test("a tool's own error shows as the step's error and resolves; unknown servers and large results reject", async (t) => {
  const outcomes: string[] = [];
  const client = await connected(
    t,
    async (ctx) => {
      const failed = await ctx.mcp.call("local", "fail");
      outcomes.push(`isError ${failed.isError}`);
      for (const call of [
        () => ctx.mcp.call("nope", "echo", { text: "x" }),
        () => ctx.mcp.call("local", "big", { bytes: 5000 }),
      ]) {
        await call().catch((error: unknown) => outcomes.push(isChatwireError(error) ? error.code : String(error)));
      }
      await ctx.send("done");
    },
    { maxToolResultBytes: 1000 },
  );
  client.send({ type: "user_message", id: "m1", content: "go" });
  await client.until("message_new", 5000);
  assert.deepEqual(outcomes, ["isError true", "UNKNOWN_MCP_SERVER", "MCP_RESULT_TOO_LARGE"]);
  const steps = toolSteps(client);
  assert.deepEqual(
    steps.map((step) => step.name),
    ["fail", "echo", "big"],
  );
  assert.equal(steps[0]?.error, "the tool failed on purpose");
  assert.match(steps[1]?.error ?? "", /no MCP server "nope"/);
  assert.match(steps[2]?.error ?? "", /the result of big has \d+ bytes; at most 1000/);
  assert.ok(!client.received.some((frame) => frame.type === "error"), "handled in the app: no error frame");
});

test("stop aborts a running tool call: the step ends with an error, task_end says aborted", async (t) => {
  const caught: unknown[] = [];
  const client = await connected(t, async (ctx) => {
    await ctx.send("calling");
    try {
      await ctx.mcp.call("local", "slow");
    } catch (error) {
      caught.push(error);
      assert.ok(isAbortOf(error, ctx.signal), "rejected by the task's abort");
      throw error;
    }
  });
  client.send({ type: "user_message", id: "m1", content: "slow" });
  await client.until("message_new", 5000);
  await eventually(() => toolSteps(client).length === 1, 5000);
  const started = Date.now();
  client.send({ type: "stop" });
  const end = await client.until("task_end", 5000);
  assert.equal(end.aborted, true);
  assert.ok(Date.now() - started < 3000, "stopped long before the tool's 10 s");
  assert.equal(caught.length, 1);
  // A stopped task's sends are silenced (hooks.md, "Why was I aborted"): the step's start is all the client saw.
  const [step] = toolSteps(client);
  assert.equal(step?.name, "slow");
  assert.equal(step?.output, undefined);
  assert.ok(!client.received.some((frame) => frame.type === "error"), "a stop is not a failure");
});
