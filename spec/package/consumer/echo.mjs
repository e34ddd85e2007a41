// A JavaScript app, served by `chatwire run echo.mjs` in the consumer test.
import { onMessage } from "chatwire";

onMessage(async (ctx, message) => {
  await ctx.send(`js: ${message.content}`);
});
