// A handler that uses ctx.mcp is unit-tested with createFakeContext's `mcp` stand-in: tools as plain functions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ChatContext, isChatwireError } from "chatwire";
import { createFakeContext } from "chatwire/testing";

async function forecast(ctx: ChatContext, city: string): Promise<void> {
  const result = await ctx.mcp.call("weather", "forecast", { city });
  const [part] = result.content;
  await ctx.send(part?.type === "text" ? part.text : "no forecast");
}

test("fake MCP servers: listed by ctx.mcp, called as tool steps, the results reach the handler", async () => {
  const ctx = createFakeContext({ mcp: { weather: { forecast: (args) => `Sunny in ${String(args.city)}` } } });
  assert.deepEqual(
    ctx.mcp.tools().map((tool) => `${tool.server}/${tool.name}`),
    ["weather/forecast"],
  );
  assert.equal(ctx.mcp.client("weather"), undefined, "no SDK client in a fake");
  await forecast(ctx, "Oslo");
  assert.deepEqual(ctx.texts(), ["Sunny in Oslo"]);
  const steps = ctx.sentOf("step").map((frame) => frame.step);
  assert.equal(steps.at(-1)?.type, "tool");
  assert.equal(steps.at(-1)?.input, '{"city":"Oslo"}');
  assert.equal(steps.at(-1)?.output, "Sunny in Oslo");
});

test("a fake context without servers: none listed, every call UNKNOWN_MCP_SERVER", async () => {
  const ctx = createFakeContext();
  assert.deepEqual(ctx.mcp.servers(), []);
  await assert.rejects(forecast(ctx, "Oslo"), (error) => isChatwireError(error, "UNKNOWN_MCP_SERVER"));
});
