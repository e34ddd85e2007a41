// Support for the playground's browser tests: Debian's Chromium through playwright-core, a real server on
// 127.0.0.1 with a test app, a screenshot in spec/.artifacts/ when a test fails, and bounded waits.
import { mkdir } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import type { TestContext } from "node:test";
import { createServer, type HookTable, type PlaygroundOptions, playground, type ServerOptions } from "chatwire";
import type { FastifyInstance } from "fastify";
import { type Browser, chromium, type Page } from "playwright-core";
import { buildPlayground } from "../../playground/build.ts";

/** Every playwright wait in these tests is bounded by this (ms). */
export const WAIT_MS = 5000;
const artifacts = join(import.meta.dirname, "..", ".artifacts");

/** Builds the page, then starts Chromium (headless, fake microphone; `extraArgs` adds switches, e.g. the WAV the fake
 * microphone plays). Close it in `after`. */
export async function launchBrowser(extraArgs: readonly string[] = []): Promise<Browser> {
  await buildPlayground();
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    timeout: 20_000,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-quic",
      "--disable-sync",
      "--use-fake-ui-for-media-stream",
      "--use-fake-device-for-media-stream",
      ...extraArgs,
    ],
  });
}

/** Options of a test server: the gateway's, `page` for the playground plugin's own (the defaults if absent), and
 * `prepare` to add to the server (hooks, routes) before it listens. */
export type TestServerOptions<S extends object> = Omit<ServerOptions<S>, "hooks"> & {
  page?: PlaygroundOptions;
  prepare?: (server: FastifyInstance) => void;
};

/** A listening server for `hooks` (no persistence unless `options` say) and the page's URL; closed when the test ends. */
export async function startServer<S extends object>(
  t: TestContext,
  hooks: HookTable<S>,
  { page, prepare, ...options }: TestServerOptions<S> = {},
): Promise<{ server: FastifyInstance; url: string }> {
  const server = await createServer<S>({
    hooks,
    logger: false,
    data: false,
    ...options,
    ...(page ? { playground: false } : {}),
  });
  if (page !== undefined) await server.register(playground, page);
  prepare?.(server);
  await server.listen({ host: "127.0.0.1", port: 0 });
  t.after(() => server.close());
  const address = server.server.address();
  if (address === null || typeof address === "string") throw new Error("not listening on TCP");
  return { server, url: `http://127.0.0.1:${address.port}/` };
}

/**
 * Runs `use` with a fresh page (its own browser context). On failure, saves a screenshot named after the test.
 * Page errors (an exception in the page's own code) fail the test too.
 */
export async function withPage(
  t: TestContext,
  browser: Browser,
  use: (page: Page) => Promise<void>,
  viewport = { width: 900, height: 700 },
): Promise<void> {
  const context = await browser.newContext({ viewport });
  context.setDefaultTimeout(WAIT_MS);
  const page = await context.newPage();
  const pageErrors: Error[] = [];
  page.on("pageerror", (error) => pageErrors.push(error));
  try {
    await use(page);
    if (pageErrors.length > 0) throw pageErrors[0];
  } catch (error) {
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, `${t.name.replace(/[^\w-]+/g, "_")}.png`) }).catch(() => undefined);
    throw error;
  } finally {
    await context.close();
  }
}

/**
 * A plain HTTP server on another origin (127.0.0.1, another port) answering every request with `html()`: a page
 * that is not the chat's. Returns its origin; closed when the test ends.
 */
export async function startForeignPage(t: TestContext, html: () => string): Promise<string> {
  const foreign = createHttpServer((_request, response) => {
    response.setHeader("content-type", "text/html; charset=utf-8");
    response.end(html());
  });
  await new Promise<void>((resolve) => foreign.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise((resolve) => foreign.close(resolve)));
  return `http://127.0.0.1:${(foreign.address() as AddressInfo).port}`;
}

/** Waits until `check()` returns a value other than undefined (polling), for at most `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined, what: string, timeoutMs = WAIT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until `expression` is truthy in the page, polling with page.evaluate (page.waitForFunction's string form
 * needs eval, which the page's Content-Security-Policy refuses), for at most WAIT_MS. */
export async function until(page: Page, expression: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await page.evaluate(expression))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${expression}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Types `text` into the composer and presses Enter. */
export async function say(page: Page, text: string): Promise<void> {
  await page.locator("#input").fill(text);
  await page.locator("#input").press("Enter");
}

/** The page has its session (the connection indicator says open). */
export async function connected(page: Page): Promise<void> {
  await page.locator('#link[data-state="open"]').waitFor();
}

/** Records the TCP sockets of WebSocket upgrades, to cut them as a network failure would (no close frame). */
export function upgradesOf(server: FastifyInstance): Duplex[] {
  const upgraded: Duplex[] = [];
  server.server.on("upgrade", (_request, socket: Duplex) => upgraded.push(socket));
  return upgraded;
}

/** Starts recording every notice the page shows, even the brief ones; `noticesSeen` reads them. */
export async function recordNotices(page: Page): Promise<void> {
  await page.evaluate(`
    window.seen = [];
    new MutationObserver(() => {
      for (const notice of document.querySelectorAll(".notice")) {
        if (!window.seen.includes(notice.textContent)) window.seen.push(notice.textContent);
      }
    }).observe(document.getElementById("notices"), { childList: true, subtree: true });
  `);
}

/** The texts of every notice shown since `recordNotices`. */
export const noticesSeen = async (page: Page): Promise<string[]> => (await page.evaluate("window.seen")) as string[];
