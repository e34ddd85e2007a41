// chatwire/client's share commands against a real gateway with SQLite: threads.share gives one link however often
// it is called, threads.readShared reads it as the app allows, threads.unshare closes it.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ChatwireClientError } from "../../lib/client/index.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import { client, next, startChat, until } from "./support.ts";

const AUTH_SECRET = "client-share-test-secret-0123456789abcdef";

async function login(url: string, username: string): Promise<string> {
  const response = await fetch(new URL("/auth/login", url.replace(/^ws/, "http")), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: `${username}-pw` }),
  });
  return ((await response.json()) as { token: string }).token;
}

/** `share()` once the thread is stored: a batched write may land just after task_end (bounded: 5 s). */
async function whenStored<T>(share: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await share();
    } catch (error) {
      if (!(error instanceof ChatwireClientError) || error.code !== "THREAD_NOT_FOUND" || Date.now() > deadline) {
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

const refusal = (error: unknown) => error instanceof ChatwireClientError && [error.code, error.status];

test("threads.share, readShared and unshare: one link, read by whom the app allows, closed at once", async (t) => {
  const app = createApp();
  app.passwordAuth(({ username, password }) => (password === `${username}-pw` ? { identifier: username } : undefined));
  app.onMessage(async (ctx, message) => {
    await ctx.send(`echo: ${message.content}`);
  });
  app.onSharedThreadView((_thread, viewer) => viewer?.identifier === "bob");
  const dir = await mkdtemp(join(tmpdir(), "chatwire-client-share-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { url } = await startChat(t, app.seal(), {
    data: { sqlite: join(dir, "chatwire.db") },
    auth: { secret: AUTH_SECRET },
  });
  const ada = client(t, url, { token: await login(url, "ada") });
  const { welcome } = await next(ada, "connected");
  ada.send("plan my trip");
  await until(ada, (s) => (s.busy ? undefined : s.messages.find((m) => m.content === "echo: plan my trip")), "echo");
  const shared = await whenStored(() => ada.threads.share(welcome.threadId));
  assert.deepEqual(await ada.threads.share(welcome.threadId), shared);
  assert.equal(shared.url, `/shared/${shared.shareId}`);

  const bob = client(t, url, { token: await login(url, "bob") });
  const carol = client(t, url, { token: await login(url, "carol") });
  const read = await bob.threads.readShared(shared.shareId);
  assert.deepEqual(
    read.steps.map((step) => (step.kind === "message" ? step.content : step.name)),
    ["plan my trip", "echo: plan my trip"],
  );
  assert.deepEqual(refusal(await carol.threads.readShared(shared.shareId).catch((e: unknown) => e)), [
    "THREAD_NOT_FOUND",
    404,
  ]);
  assert.deepEqual(refusal(await bob.threads.share(welcome.threadId).catch((e: unknown) => e)), [
    "THREAD_NOT_FOUND",
    404,
  ]);

  await ada.threads.unshare(welcome.threadId);
  assert.deepEqual(refusal(await bob.threads.readShared(shared.shareId).catch((e: unknown) => e)), [
    "THREAD_NOT_FOUND",
    404,
  ]);
});
