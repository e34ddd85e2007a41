// `chatwire hello`'s app: a few of chatwire's hooks on the default app, with no setup and no model (Chainlit's
// `chainlit hello`). Imported by the CLI only, after chatwire's entry, so it registers on the app that is served.
import { setTimeout as wait } from "node:timers/promises";
import { actionCallback, onChatStart, onMessage } from "../hooks/registrars.ts";

onChatStart(async (ctx) => {
  await ctx.send({
    content: "Hello from chatwire! Type anything and I will stream it back. Then write your own app: `chatwire init`.",
    actions: [{ name: "count", label: "How many turns?", payload: {} }],
  });
});

onMessage(async (ctx, message) => {
  const turns = Number(ctx.state.get("turns") ?? 0) + 1;
  ctx.state.set("turns", turns);
  const reply = await ctx.stream();
  for (const word of `You said: ${message.content}`.split(/(?<= )/)) {
    if (ctx.signal.aborted) break;
    await reply.streamToken(word);
    await wait(30);
  }
  await reply.endStream();
});

actionCallback("count", async (ctx) => {
  await ctx.send(`${Number(ctx.state.get("turns") ?? 0)} turns so far in this conversation.`);
});
