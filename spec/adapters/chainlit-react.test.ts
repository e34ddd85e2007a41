// Chainlit's published React client (@chainlit/react-client, with React 18 and Recoil as it declares) in Chromium
// against chatwire's Chainlit endpoint: a page built here with esbuild logs in through the client, sends a message
// and sees the streamed reply, presses an action, answers a text ask and an action ask, stops a task, gives
// feedback, then reopens the thread from the client's thread list with its history and onChatResume, and logs out;
// other apps take uploaded files (with a message, and for a file ask), edit a message and change the settings form.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { createApp, defineSettings } from "chatwire";
import { build } from "esbuild";
import type { Browser, Page } from "playwright-core";
import { launchBrowser, startServer, withPage } from "../playground/browser.ts";

const AUTH_SECRET = "chainlit-react-client-test-secret-0123456789";

let browser: Browser;
let bundle = "";
before(async () => {
  browser = await launchBrowser();
  const built = await build({
    entryPoints: [new URL("../react/chainlit-page.ts", import.meta.url).pathname],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    define: { "process.env.NODE_ENV": '"development"', global: "globalThis" },
    logLevel: "error",
  });
  bundle = built.outputFiles[0]?.text ?? "";
});
after(() => browser?.close());

/** The app the page talks to; `log` records what its hooks saw, in order. */
function app() {
  const chat = createApp();
  const log: string[] = [];
  chat.passwordAuth(({ username, password }) =>
    username === "ada" && password === "ada-pw" ? { identifier: "ada", displayName: "Ada" } : undefined,
  );
  chat.onChatStart(async (ctx) => {
    log.push(`start ${ctx.user?.identifier}`);
    await ctx.send({ content: "Welcome", actions: [{ name: "ping", label: "Ping", payload: { n: 1 } }] });
  });
  chat.actionCallback("ping", async (ctx, action) => {
    log.push(`ping ${String(action.payload.n)}`);
    await ctx.send("pong");
  });
  chat.onMessage(async (ctx, message) => {
    log.push(`message ${message.content}`);
    if (message.content === "ask") {
      const name = await ctx.askText({ content: "Your name?", timeoutMs: 10_000 });
      await ctx.send(`Hello ${name}`);
    } else if (message.content === "choose") {
      const choice = await ctx.askAction({
        content: "Pick one",
        actions: [
          { name: "red", label: "Red" },
          { name: "blue", label: "Blue" },
        ],
        timeoutMs: 10_000,
      });
      await ctx.send(`You picked ${choice.name}`);
    } else if (message.content === "slow") {
      await ctx.send("working");
      await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
      log.push(`aborted ${String((ctx.signal.reason as { kind?: string }).kind)}`);
    } else {
      const reply = await ctx.stream();
      for (const token of ["You ", "said: ", message.content]) await reply.streamToken(token);
      await reply.endStream();
    }
  });
  chat.onStop(async () => {
    log.push("stop");
  });
  chat.onFeedback(async (_ctx, feedback) => {
    log.push(`feedback ${feedback.value} ${feedback.comment}`);
  });
  chat.onChatResume(async (ctx, thread) => {
    log.push(`resume ${ctx.threadId} ${thread.steps.length}`);
    await ctx.send("welcome back");
  });
  return { hooks: chat.seal(), log };
}

/** A server with the Chainlit endpoint, SQLite in a temp folder, and the page at /chainlit/. */
async function start(t: TestContext, hooks: ReturnType<typeof app>["hooks"]) {
  const dir = await mkdtemp(join(tmpdir(), "chatwire-chainlit-react-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { url } = await startServer(t, hooks, {
    data: { sqlite: join(dir, "chatwire.db") },
    auth: { secret: AUTH_SECRET },
    protocols: { chainlit: true },
    playground: false,
    prepare: (server) => {
      server.get("/chainlit/", (_request, reply) =>
        reply
          .type("text/html")
          .send('<!doctype html><div id="root"></div><script type="module" src="app.js"></script>'),
      );
      server.get("/chainlit/app.js", (_request, reply) => reply.type("text/javascript").send(bundle));
    },
  });
  return `${url}chainlit/`;
}

const say = async (page: Page, text: string) => {
  await page.locator("#input").fill(text);
  await page.locator("#input").press("Enter");
};
const assistant = (page: Page, text: string) => page.locator("li.step.assistant_message > .output", { hasText: text });
/** Logs ada in through the page's form (the client's passwordAuth: POST /login). */
const logIn = async (page: Page) => {
  await page.locator("#username").fill("ada");
  await page.locator("#password").fill("ada-pw");
  await page.locator("#login button[type=submit]").click();
};
const idle = (page: Page) => page.locator("main[data-loading=false]").waitFor();

test("Chainlit's React client: login, a streamed reply, an action, asks, stop, feedback, and a reopened thread", async (t) => {
  // The page runs the React its client declares as a peer, not the repository's other React.
  assert.match(bundle, /ReactVersion = "18\.3\.\d+"/);
  const { hooks, log } = app();
  const pageUrl = await start(t, hooks);
  await withPage(t, browser, async (page) => {
    await page.goto(pageUrl);
    await page.locator("#login").waitFor();
    await logIn(page);
    await page.locator("#who", { hasText: "ada" }).waitFor();
    await page.locator("main[data-connected=true]").waitFor();

    // onChatStart's message, and its action as a button.
    await assistant(page, "Welcome").waitFor();
    assert.deepEqual(log, ["start ada"]);

    // A message and the streamed reply, ending idle; the client learns the thread's id from first_interaction.
    await say(page, "hi");
    await page.locator("li.step.user_message > .output", { hasText: "hi" }).waitFor();
    await assistant(page, "You said: hi").waitFor();
    await page.locator("li.step.assistant_message[data-streaming=false]", { hasText: "You said: hi" }).waitFor();
    await idle(page);
    const threadId = await page.locator("main").getAttribute("data-thread");
    assert.ok(threadId, "first_interaction gave the client its thread id");

    // The action, pressed: POST /project/action runs actionCallback.
    await page.locator("button.action[data-name=ping]").click();
    await page.locator("#action-called", { hasText: "ping" }).waitFor();
    await assistant(page, "pong").waitFor();
    assert.ok(log.includes("ping 1"));

    // A text ask answered through the ask's acknowledgement.
    await say(page, "ask");
    await page.locator("main[data-ask=text]").waitFor();
    await assistant(page, "Your name?").waitFor();
    await say(page, "Grace");
    await assistant(page, "Hello Grace").waitFor();
    await page.locator("main[data-ask=none]").waitFor();

    // An action ask: only its buttons are enabled; the press answers it.
    await say(page, "choose");
    await page.locator("main[data-ask=action]").waitFor();
    assert.equal(await page.locator("button.action[data-name=ping]").isDisabled(), true, "not this ask's action");
    await page.locator("button.action[data-name=blue]").click();
    await assistant(page, "You picked blue").waitFor();

    // Stop: the task's signal aborts with kind "stop" and onStop runs.
    await say(page, "slow");
    await assistant(page, "working").waitFor();
    await page.locator("main[data-loading=true]").waitFor();
    await page.locator("#stop").click();
    await idle(page);
    await waitFor(() => log.includes("aborted stop") && log.includes("stop"), "the stopped task");

    // Feedback on the streamed reply: PUT /feedback answers its id and onFeedback runs.
    const reply = page.locator("li.step.assistant_message", { hasText: "You said: hi" });
    await reply.locator(".thumbs-up").click();
    const feedbackId = await reply.locator(".feedback-id").textContent();
    assert.ok(feedbackId !== null && !feedbackId.startsWith("failed"), `feedback answered ${feedbackId}`);
    await waitFor(() => log.includes("feedback 1 nice"), "onFeedback");
  });

  // A new page (a new client session) lists the user's threads and reopens this one.
  await withPage(t, browser, async (page) => {
    await page.goto(pageUrl);
    await logIn(page);
    await page.locator("main[data-connected=true]").waitFor();
    await page.locator("#list-threads").click();
    const link = page.locator("#threads a.thread", { hasText: "hi" });
    await link.waitFor();
    await link.click();
    await page.locator("main[data-connected=true]").waitFor();
    await assistant(page, "welcome back").waitFor();
    // The history as stored, the streamed reply among it with its feedback.
    for (const text of ["You said: hi", "pong", "Hello Grace", "You picked blue"])
      await assistant(page, text).waitFor();
    const rated = page.locator("li.step.assistant_message", { hasText: "You said: hi" });
    assert.equal(await rated.getAttribute("data-feedback"), "1", "the stored feedback comes back with the history");
    for (const text of ["hi", "ask", "choose", "slow"])
      await page.locator("li.step.user_message", { hasText: text }).waitFor();
    const resumed = log.filter((entry) => entry.startsWith("resume "));
    assert.equal(resumed.length, 1);
    assert.match(resumed[0] ?? "", /^resume \S+ [1-9]\d*$/);

    // Logout through the client (POST /logout): the cookie is gone, and the page asks for a login again.
    await page.locator("#logout").click();
    await page.locator("#login").waitFor();
    const user = await page.evaluate(async () => (await fetch("/user", { credentials: "include" })).status);
    assert.equal(user, 401);
  });
});

test("Chainlit's React client: files uploaded with a message and in answer to a file ask reach the handler", async (t) => {
  const chat = createApp();
  chat.passwordAuth(({ username, password }) =>
    username === "ada" && password === "ada-pw" ? { identifier: "ada" } : undefined,
  );
  const bytes = async (file: { stream(): NodeJS.ReadableStream }) => {
    let text = "";
    for await (const chunk of file.stream()) text += String(chunk);
    return text;
  };
  chat.onMessage(async (ctx, message) => {
    if (message.content === "send me a file") {
      const files = await ctx.askFile({ content: "Which file?", accept: ["text/plain"], timeoutMs: 10_000 });
      await ctx.send(`asked: ${files.map((file) => file.name).join(",")}`);
      return;
    }
    const read = await Promise.all(message.files.map(async (file) => `${file.name}=${await bytes(file)}`));
    await ctx.send(`attached: ${read.join(",")}`);
  });
  const pageUrl = await start(t, chat.seal());
  await withPage(t, browser, async (page) => {
    await page.goto(pageUrl);
    await logIn(page);
    await page.locator("main[data-connected=true]").waitFor();

    await page
      .locator("#file")
      .setInputFiles({ name: "note.txt", mimeType: "text/plain", buffer: Buffer.from("hello") });
    await say(page, "with a file");
    await assistant(page, "attached: note.txt=hello").waitFor();

    await say(page, "send me a file");
    await page.locator("main[data-ask=file]").waitFor();
    await page
      .locator("#file")
      .setInputFiles({ name: "answer.txt", mimeType: "text/plain", buffer: Buffer.from("42") });
    await say(page, "");
    await assistant(page, "asked: answer.txt").waitFor();
    assert.equal(await page.locator("#upload-error").textContent(), "");
  });
});

test("Chainlit's React client: an edited message reruns onMessage; the settings form round-trips", async (t) => {
  const chat = createApp();
  const log: string[] = [];
  const form = defineSettings([{ type: "switch", id: "loud", label: "Loud", initial: false }] as const);
  chat.passwordAuth(({ username, password }) =>
    username === "ada" && password === "ada-pw" ? { identifier: "ada" } : undefined,
  );
  chat.chatSettings(form);
  chat.onSettingsUpdate(async (_ctx, values) => {
    log.push(`settings ${JSON.stringify(values)}`);
  });
  chat.onMessage(async (ctx, message) => {
    const loud = form.read(ctx.settings).loud;
    log.push(`message ${message.content}`);
    await ctx.send(`echo: ${loud ? message.content.toUpperCase() : message.content}`);
  });
  const pageUrl = await start(t, chat.seal());
  await withPage(t, browser, async (page) => {
    await page.goto(pageUrl);
    await logIn(page);
    await page.locator("main[data-connected=true]").waitFor();

    // The form arrives as chat_settings; the flip goes back as chat_settings_change.
    await page.locator("#settings[data-inputs='1']").waitFor();
    assert.deepEqual(JSON.parse((await page.locator("#settings").getAttribute("data-values")) ?? ""), { loud: false });
    await page.locator("#flip-setting").click();
    await waitFor(() => log.includes('settings {"loud":true}'), "onSettingsUpdate");

    await say(page, "one");
    await assistant(page, "echo: ONE").waitFor();
    await say(page, "two");
    await assistant(page, "echo: TWO").waitFor();
    await idle(page);

    // Editing the first message removes what came after it and reruns onMessage with the new content.
    await page.locator("li.step.user_message", { hasText: "one" }).locator("button.edit").click();
    await assistant(page, "echo: ONE (EDITED)").waitFor();
    await assistant(page, "echo: TWO").waitFor({ state: "detached" });
    assert.equal(await assistant(page, "echo: ONE").count(), 1, "the first reply was removed");
    assert.deepEqual(
      log.filter((entry) => entry.startsWith("message ")),
      ["message one", "message two", "message one (edited)"],
    );
  });
});

/** Polls `check` (in Node) until it holds, for at most 5 s. */
async function waitFor(check: () => boolean, what: string) {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
