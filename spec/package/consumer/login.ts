// A passwordAuth app, served by `chatwire run login.ts` in the consumer test: one account, and an echo that names
// the logged-in user.
import { onMessage, passwordAuth } from "chatwire";

passwordAuth(({ username, password }) =>
  username === "ada" && password === "lovelace" ? { identifier: "ada", displayName: "Ada" } : undefined,
);

onMessage(async (ctx, message) => {
  await ctx.send(`${ctx.user?.identifier ?? "nobody"} said ${message.content}`);
});
