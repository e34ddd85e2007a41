// A chatwire app: `npm start` serves it (chatwire run app.ts) at http://127.0.0.1:8000/, where the playground page
// signs you in and chats with it. Its handlers are named functions, so app.test.ts can call them with a fake context.
import { createHash, timingSafeEqual } from "node:crypto";
import {
  actionCallback,
  type ChatContext,
  type IncomingMessage,
  onChatEnd,
  onChatStart,
  onMessage,
  passwordAuth,
  type User,
} from "chatwire";

const digest = (text: string) => createHash("sha256").update(text).digest();

/** Sign-in: any name, with the password in .env (CHAT_PASSWORD). Replace it with your own user store. */
export function signIn(username: string, password: string, expected = process.env.CHAT_PASSWORD): User | undefined {
  if (expected === undefined || expected === "") return undefined;
  return timingSafeEqual(digest(password), digest(expected)) ? { identifier: username } : undefined;
}

/** A new chat: a greeting with a button. */
export async function greet(ctx: ChatContext): Promise<void> {
  ctx.state.set("turns", 0);
  await ctx.send({
    content: `Hello ${ctx.user?.identifier ?? "there"}! Say something.`,
    actions: [{ name: "reset", label: "Start over" }],
  });
}

/** Each message: echoed back with its number in this chat. */
export async function echo(ctx: ChatContext, message: IncomingMessage): Promise<void> {
  const turns = Number(ctx.state.get("turns") ?? 0) + 1;
  ctx.state.set("turns", turns);
  await ctx.send(`echo #${turns}: ${message.content}`);
}

/** The "Start over" button. */
export async function reset(ctx: ChatContext): Promise<void> {
  ctx.state.set("turns", 0);
  await ctx.send("Counter reset.");
}

passwordAuth(({ username, password }) => signIn(username, password));
onChatStart(greet);
onMessage(echo);
actionCallback("reset", reset);
onChatEnd((ctx) => {
  ctx.log.info({ turns: ctx.state.get("turns") }, "chat ended");
});
