// Modes end to end: declared for the app or per session, sent as a `modes` frame, a message's choices checked
// (UNKNOWN_MODE) and completed with each mode's default as `message.modes`.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApp, isChatwireError } from "chatwire";
import { connectClient, createFakeContext } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";

function modesApp() {
  const chat = createApp();
  chat.setModes([
    {
      id: "effort",
      name: "Effort",
      options: [
        { id: "low", name: "Low" },
        { id: "high", name: "High", default: true },
      ],
    },
    { id: "tone", name: "Tone", options: [{ id: "plain", name: "Plain" }] },
  ]);
  chat.onMessage(async (ctx, message) => {
    if (message.content === "narrow") await ctx.setModes([]);
    await ctx.send(JSON.stringify(message.modes ?? null));
  });
  return chat;
}

test("modes are sent at the start; a message's choices come with every mode's default filled in", async (t) => {
  const server = await startGateway(t, { hooks: modesApp().seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  const offered = await client.until("modes");
  assert.deepEqual(
    offered.modes.map((mode) => mode.id),
    ["effort", "tone"],
  );
  client.send({ type: "user_message", id: "m1", content: "a", modes: { effort: "low" } });
  assert.deepEqual(JSON.parse((await client.until("message_new")).message.content), { effort: "low", tone: "plain" });
  client.send({ type: "user_message", id: "m2", content: "b" });
  assert.deepEqual(JSON.parse((await client.until("message_new")).message.content), { effort: "high", tone: "plain" });
});

test("a mode or option not offered is UNKNOWN_MODE and runs no task; ctx.setModes([]) removes them", async (t) => {
  const server = await startGateway(t, { hooks: modesApp().seal() });
  const client = await connectClient(server);
  t.after(() => client.close());
  await client.until("modes");
  client.send({ type: "user_message", id: "m1", content: "a", modes: { effort: "max" } });
  const error = await client.until("error");
  assert.equal(error.code, "UNKNOWN_MODE");
  assert.equal(error.replyTo, "m1");
  client.send({ type: "user_message", id: "m2", content: "narrow" });
  assert.deepEqual((await client.until("modes")).modes, []);
  assert.equal((await client.until("message_new")).message.content, '{"effort":"high","tone":"plain"}');
  client.send({ type: "user_message", id: "m3", content: "c" });
  assert.equal((await client.until("message_new")).message.content, "null", "no modes: no message.modes");
  client.send({ type: "user_message", id: "m4", content: "d", modes: { effort: "low" } });
  assert.equal((await client.until("error")).code, "UNKNOWN_MODE");
});

test("modes the protocol cannot carry throw INVALID_HOOK; a fake context records setModes", async () => {
  const chat = createApp();
  assert.throws(
    () => chat.setModes([{ id: "empty", name: "No options", options: [] }]),
    (error) => isChatwireError(error, "INVALID_HOOK"),
  );
  const ctx = createFakeContext();
  await ctx.setModes([{ id: "effort", name: "Effort", options: [{ id: "low", name: "Low" }] }]);
  assert.equal(ctx.sentOf("modes")[0]?.modes[0]?.options[0]?.id, "low");
});
