// The start-up script: a few hooks on the default app, run as users run apps (`chatwire run`, bin/chatwire.js).
import { actionCallback, onChatEnd, onChatStart, onMessage } from "chatwire";

onChatStart((ctx) => {
  ctx.state.set("turns", 0);
});
onMessage(async (ctx, message) => {
  await ctx.send(`echo: ${message.content}`);
});
actionCallback("again", async (ctx) => {
  await ctx.send("again");
});
onChatEnd(() => {});
