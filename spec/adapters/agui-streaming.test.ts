// AG-UI and chatwire's streaming parity: a tool step's streamed input becomes TOOL_CALL_ARGS deltas, its streamed
// output arrives whole in TOOL_CALL_RESULT, and a replacing token (which AG-UI's text cannot express) is a CUSTOM
// event; every event still validates against @ag-ui/core's schemas.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type BaseEvent, HttpAgent } from "@ag-ui/client";
import { EventSchemas } from "@ag-ui/core/schemas";
import { createApp } from "chatwire";
import { startGateway } from "../support/gateway.ts";

test("AG-UI: streamed tool input is TOOL_CALL_ARGS, the output comes whole, a replace is CUSTOM", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    await ctx.step({ name: "search", type: "tool" }, async (step) => {
      await step.streamToken('{"q":', { input: true });
      await step.streamToken('"oslo"}', { input: true });
      await step.streamToken("3 ");
      await step.streamToken("results");
    });
    const reply = await ctx.stream();
    await reply.streamToken("draft");
    await reply.streamToken("final", { replace: true });
    await reply.endStream();
  });
  const server = await startGateway(t, { hooks: chat.seal(), protocols: { agui: { path: "/agent" } } });
  const { port } = server.server.address() as { port: number };
  const agent = new HttpAgent({ url: `http://127.0.0.1:${port}/agent`, threadId: "streams" });
  agent.addMessage({ id: crypto.randomUUID(), role: "user", content: "go" });
  const events: BaseEvent[] = [];
  await agent.runAgent(
    {},
    {
      onEvent({ event }) {
        const parsed = EventSchemas.safeParse(event);
        assert.ok(parsed.success, `invalid AG-UI event ${JSON.stringify(event)}`);
        events.push(event);
      },
    },
  );
  const fields = (type: string) => events.filter((e) => e.type === type) as unknown as Record<string, unknown>[];
  assert.deepEqual(
    fields("TOOL_CALL_ARGS").map((e) => e.delta),
    ['{"q":', '"oslo"}'],
  );
  assert.equal(fields("TOOL_CALL_RESULT")[0]?.content, "3 results");
  const custom = fields("CUSTOM").map((e) => [e.name, (e.value as { token?: string }).token]);
  assert.deepEqual(
    custom.filter(([name]) => name === "chatwire.stream_token" || name === "chatwire.step_token"),
    [
      ["chatwire.step_token", "3 "],
      ["chatwire.step_token", "results"],
      ["chatwire.stream_token", "final"],
    ],
  );
});
