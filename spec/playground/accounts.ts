// Support for the thread-list tests: an app with passwordAuth (ada, bob; password `<name>-pw`), an echo, and an
// onChatResume that greets and records what it reopened; a server persisting to SQLite in a fresh temp folder.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { createApp } from "chatwire";
import type { Page } from "playwright-core";
import { connected, startServer } from "./browser.ts";

/** Signs session tokens in these tests (at least 32 bytes, as CHATWIRE_AUTH_SECRET must be). */
const AUTH_SECRET = "playground-thread-list-test-secret-0123456789";

/** The echo app with accounts; `resumed` lists `user:threadId` for each onChatResume, in order. */
export function accountsApp() {
  const app = createApp();
  const resumed: string[] = [];
  app.passwordAuth(({ username, password }) =>
    ["ada", "bob"].includes(username) && password === `${username}-pw`
      ? { identifier: username, displayName: username.toUpperCase() }
      : undefined,
  );
  app.onMessage(async (ctx, message) => {
    await ctx.send(`echo: ${message.content}`);
  });
  app.onChatResume(async (ctx) => {
    resumed.push(`${ctx.user?.identifier}:${ctx.threadId}`);
    await ctx.send("welcome back");
  });
  return { hooks: app.seal(), resumed };
}

/** A server for `hooks` with SQLite in a temp folder (removed after the test) and passwordAuth's secret. */
export async function startPersistentServer(
  t: TestContext,
  hooks: ReturnType<typeof accountsApp>["hooks"],
  options: { reconnectGraceMs?: number } = {},
) {
  const dir = await mkdtemp(join(tmpdir(), "chatwire-playground-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return startServer(t, hooks, {
    data: { sqlite: join(dir, "chatwire.db") },
    auth: { secret: AUTH_SECRET },
    ...options,
  });
}

/** Signs in through the page's form and waits for the session. */
export async function signIn(page: Page, username: string, password = `${username}-pw`): Promise<void> {
  await page.locator("#username").fill(username);
  await page.locator("#password").fill(password);
  await page.locator("#sign-in button[type=submit]").click();
  await connected(page);
}

/** The thread list's entry named `name`. */
export const threadNamed = (page: Page, name: string) => page.locator("#thread-items .thread", { hasText: name });

/** Waits until the thread list holds exactly `count` (≥ 1) entries (the page's CSP forbids waitForFunction). */
export async function listHolds(page: Page, count: number): Promise<void> {
  const entries = page.locator("#thread-items .thread");
  await entries.nth(count - 1).waitFor();
  await entries.nth(count).waitFor({ state: "detached" });
}
