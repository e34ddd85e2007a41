// chatwire/client following a thread (a real gateway, SQLite): a second client of the same user on the thread and
// a viewer of its share (`view`) show the other tab's turn — the user's message and the streamed answer — as it
// runs, once each; the viewer is marked as one, and what it sends is refused with VIEW_ONLY.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ChatwireClientError } from "../../lib/client/index.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import { client, lastReply, next, startChat, until } from "./support.ts";

const AUTH_SECRET = "client-followers-test-secret-0123456789ab";

async function login(url: string, username: string): Promise<string> {
  const response = await fetch(new URL("/auth/login", url.replace(/^ws/, "http")), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: `${username}-pw` }),
  });
  return ((await response.json()) as { token: string }).token;
}

test("a second tab and a viewer show the first tab's turn live, each message once", async (t) => {
  const app = createApp();
  app.passwordAuth(({ username, password }) => (password === `${username}-pw` ? { identifier: username } : undefined));
  app.onSharedThreadView((_thread, viewer) => viewer?.identifier === "bob");
  app.onMessage(async (ctx, message) => {
    const reply = await ctx.stream();
    for (const word of `echo: ${message.content}`.split(" ")) await reply.streamToken(`${word} `);
    await reply.endStream();
  });
  const dir = await mkdtemp(join(tmpdir(), "chatwire-client-followers-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { url } = await startChat(t, app.seal(), {
    data: { sqlite: join(dir, "chatwire.db") },
    auth: { secret: AUTH_SECRET },
  });
  const token = await login(url, "ada");
  const one = client(t, url, { token });
  const { welcome } = await next(one, "connected");
  one.send("first");
  await until(one, (s) => (s.busy ? undefined : lastReply(s)), "the first answer");

  const two = client(t, url, { token, thread: { id: welcome.threadId } });
  await until(two, (s) => (s.messages.length === 2 ? true : undefined), "the history in the second tab");
  const { shareId } = await one.threads.share(welcome.threadId);
  const viewer = client(t, url, { token: await login(url, "bob"), view: shareId });
  await until(viewer, (s) => (s.session?.view === true && s.messages.length === 2 ? true : undefined), "the view");

  one.send("second");
  for (const follower of [two, viewer]) {
    const shown = await until(
      follower,
      (s) => (s.messages.length === 4 && !s.busy && lastReply(s) !== undefined ? s.messages : undefined),
      "the followed turn",
    );
    assert.deepEqual(
      shown.map((message) => `${message.role}: ${message.content.trim()}`),
      ["user: first", "assistant: echo: first", "user: second", "assistant: echo: second"],
    );
  }
  assert.throws(
    () => viewer.send("may I?"),
    (error: unknown) => error instanceof ChatwireClientError && error.code === "VIEW_ONLY",
  );
  assert.equal(viewer.getSnapshot().messages.length, 4, "nothing shown as sent");
});
