// Chainlit's stream_token carries chatwire's replacing tokens as `isSequence` and a step's input tokens as
// `isInput`, by the step's id (Chainlit's client finds steps and messages by id alike).
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApp } from "chatwire";
import { io, type Socket } from "socket.io-client";
import { eventually, startGateway } from "../support/gateway.ts";

type Seen = { event: string; payload: unknown };
type TokenEvent = { id: string; token: string; isSequence: boolean; isInput: boolean };

test("Chainlit: replace is isSequence, a step's input tokens are isInput, by the step's id", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    await ctx.step({ id: "tool-1", name: "lookup", type: "tool" }, async (step) => {
      await step.streamToken("q=oslo", { input: true });
      await step.streamToken("found");
    });
    const reply = await ctx.stream({ id: "reply-1" });
    await reply.streamToken("draft");
    await reply.streamToken("final", { replace: true });
    await reply.endStream();
  });
  const server = await startGateway(t, { hooks: chat.seal(), protocols: { chainlit: true } });
  const port = (server.server.address() as { port: number }).port;
  const seen: Seen[] = [];
  const socket: Socket = io(`http://127.0.0.1:${port}`, {
    path: "/ws/socket.io",
    transports: ["websocket"],
    auth: { sessionId: crypto.randomUUID(), threadId: "", clientType: "webapp", userEnv: "{}", chatProfile: "" },
    reconnection: false,
  });
  t.after(() => socket.close());
  socket.onAny((event: string, payload: unknown) => seen.push({ event, payload }));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  socket.emit("connection_successful");
  socket.emit("client_message", {
    message: { id: crypto.randomUUID(), output: "go", type: "user_message" },
    fileReferences: null,
  });
  await eventually(() => seen.some((s) => s.event === "task_end"), 5000);
  const tokens = seen.filter((s) => s.event === "stream_token").map((s) => s.payload as TokenEvent);
  assert.deepEqual(
    tokens.map(({ id, token, isSequence, isInput }) => [id, token, isSequence, isInput]),
    [
      ["tool-1", "q=oslo", false, true],
      ["tool-1", "found", false, false],
      ["reply-1", "draft", false, false],
      ["reply-1", "final", true, false],
    ],
  );
  const final = seen.findLast((s) => s.event === "update_message" && (s.payload as { id: string }).id === "reply-1");
  assert.equal((final?.payload as { output?: string } | undefined)?.output, "final");
});
