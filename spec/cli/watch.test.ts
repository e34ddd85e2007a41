// `chatwire run --watch` on the built package (bin/chatwire.js, dist/), as a child process in a project of its own
// with a real socket: lib/cli/reload.ts, lib/cli/watch-tree.ts, lib/cli/fresh-imports.ts, lib/hooks/live-table.ts.
import assert from "node:assert/strict";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type TestContext, test } from "node:test";
import { createSqliteLayer } from "chatwire";
import { connectClient, type TestClient } from "chatwire/testing";
import { pause } from "../support/gateway.ts";
import { type GatewayProcess, startGatewayProcess } from "../support/process.ts";

/** A directory with `files` and node_modules/chatwire linking to this checkout; removed when the test ends. */
function project(t: TestContext, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-watch-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(resolve("."), join(dir, "node_modules", "chatwire"), "dir");
  write(dir, files);
  return dir;
}

function write(dir: string, files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
}

/**
 * The app, version `version`: answers with its version, its local module's word and the user messages it sees in
 * the conversation's history. "slow" first says it started, then waits for the file $RELEASE before answering.
 */
const app = (version: string) => `
import { existsSync } from "node:fs";
import { setTimeout as wait } from "node:timers/promises";
import { onMessage } from "chatwire";
import { word } from "./lib/word.js";

onMessage(async (ctx, message) => {
  if (message.content === "slow") {
    await ctx.send("${version} started");
    while (!existsSync(process.env.RELEASE ?? "")) await wait(20);
  }
  const seen = ctx.history().filter((m) => m.role === "user").map((m) => m.content);
  await ctx.send(\`${version} \${word}: \${message.content} [\${seen.join(",")}]\`);
});
`;
const word = (text: string) => `export const word: string = ${JSON.stringify(text)};\n`;

/** Starts the app in `dir` under --watch and opens a socket to it. */
async function watched(t: TestContext, dir: string, env: Record<string, string> = {}) {
  const gateway = await startGatewayProcess(t, join(dir, "app.ts"), { cwd: dir, args: ["--watch"], env });
  const client = await connectClient(`ws://127.0.0.1:${gateway.port}/ws`);
  t.after(() => client.close());
  return { gateway, client };
}

let ids = 0;
/** Sends `content` and returns the text of the next message the app sends. */
async function ask(client: TestClient, content: string): Promise<string> {
  client.send({ type: "user_message", id: `m${++ids}`, content });
  return (await client.until("message_new", 5000)).message.content;
}

/** Waits for the terminal to show `pattern`. */
async function printed(gateway: GatewayProcess, pattern: RegExp, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(gateway.output())) {
    if (Date.now() > deadline) assert.fail(`not printed: ${pattern}\n${gateway.output()}`);
    await pause(20);
  }
}

test("an edit reloads the app in place: the next answer is the new handler's, on the same socket, thread and history; a running turn ends on the old", async (t) => {
  const release = join(mkdtempSync(join(tmpdir(), "chatwire-release-")), "go");
  t.after(() => rmSync(join(release, ".."), { recursive: true, force: true }));
  const dir = project(t, { "app.ts": app("v1"), "lib/word.ts": word("alpha") });
  const { gateway, client } = await watched(t, dir, { RELEASE: release });
  const threadId = client.welcome?.threadId;
  assert.ok(threadId);

  assert.equal(await ask(client, "hi"), "v1 alpha: hi [hi]");
  assert.equal(await ask(client, "slow"), "v1 started");
  // Saved while "slow" runs; "next" is queued behind it, so it starts after the reload.
  write(dir, { "app.ts": app("v2") });
  const notice = await client.until("notice", 10_000);
  assert.equal(notice.code, "APP_RELOADED");
  assert.match(notice.message, /^app\.ts changed; app\.ts reloaded in \d+ ms$/);
  await printed(gateway, /chatwire: app\.ts changed; app\.ts reloaded in \d+ ms/);
  client.send({ type: "user_message", id: "next", content: "next" });
  writeFileSync(release, "");
  assert.equal((await client.until("message_new", 5000)).message.content, "v1 alpha: slow [hi,slow]");
  assert.equal((await client.until("message_new", 5000)).message.content, "v2 alpha: next [hi,slow,next]");

  // A local module the app imports reloads too.
  write(dir, { "lib/word.ts": word("beta") });
  assert.match((await client.until("notice", 10_000)).message, /^lib\/word\.ts changed; app\.ts reloaded in \d+ ms$/);
  assert.equal(await ask(client, "again"), "v2 beta: again [hi,slow,next,again]");

  assert.equal(client.received.filter((frame) => frame.type === "welcome").length, 1);
  assert.equal(client.socket.readyState, client.socket.OPEN);
  const exited = once(gateway.child, "exit");
  gateway.child.kill("SIGTERM");
  assert.equal((await exited)[0], 0, gateway.output());
  // One stored thread holds the answers of both versions.
  const layer = createSqliteLayer({ path: join(dir, ".chatwire", "chatwire.db") });
  t.after(() => layer.close());
  const stored = await layer.loadThread(threadId);
  const contents = stored?.steps.map((step) => ("content" in step ? step.content : "")) ?? [];
  assert.ok(contents.includes("v1 alpha: slow [hi,slow]"), contents.join("\n"));
  assert.ok(contents.includes("v2 beta: again [hi,slow,next,again]"), contents.join("\n"));
});

test("a broken save keeps the previous handlers answering and reports why, in the terminal and as a notice; the next good save recovers", async (t) => {
  const dir = project(t, { "app.ts": app("v1"), "lib/word.ts": word("alpha") });
  const { gateway, client } = await watched(t, dir);
  assert.equal(await ask(client, "hi"), "v1 alpha: hi [hi]");

  // A syntax error.
  write(dir, { "app.ts": `${app("v2")}\nonMessage(async (ctx) => { await ctx.send( ; });\n` });
  let notice = await client.until("notice", 10_000);
  assert.equal(notice.code, "APP_RELOAD_FAILED");
  assert.match(notice.message, /^app\.ts did not reload: .*app\.ts:\d+:\d+: ERROR/s);
  await printed(gateway, /app\.ts did not reload, the previous version serves on:\n.*app\.ts:\d+:\d+: ERROR/s);
  assert.equal(await ask(client, "still"), "v1 alpha: still [hi,still]");

  // A registrar conflict: onMessage twice.
  write(dir, { "app.ts": `${app("v3")}\nonMessage(async () => {});\n` });
  notice = await client.until("notice", 10_000);
  assert.equal(notice.code, "APP_RELOAD_FAILED");
  assert.match(notice.message, /onMessage is already registered/);
  assert.equal(await ask(client, "again"), "v1 alpha: again [hi,still,again]");

  // An import that throws.
  write(dir, { "lib/word.ts": `${word("delta")}throw new Error("no word today");\n` });
  notice = await client.until("notice", 10_000);
  assert.equal(notice.code, "APP_RELOAD_FAILED");
  assert.match(notice.message, /no word today/);
  await printed(gateway, /Error: no word today\n\s+at .*lib\/word\.ts/);

  write(dir, { "app.ts": app("v4"), "lib/word.ts": word("gamma") });
  notice = await client.until("notice", 10_000);
  assert.equal(notice.code, "APP_RELOADED");
  assert.equal(await ask(client, "fixed"), "v4 gamma: fixed [hi,still,again,fixed]");
});

test("a first load that fails still serves: every conversation is told why, and the save that fixes the app loads it", async (t) => {
  const dir = project(t, {
    "app.ts": `${app("v1")}\nonMessage(async (ctx) => { await ctx.send( ; });\n`,
    "lib/word.ts": word("alpha"),
  });
  const { gateway, client } = await watched(t, dir);
  await printed(gateway, /app\.ts did not load; serving without it until a save fixes it:\n.*app\.ts:\d+:\d+: ERROR/s);
  const started = await client.until("toast", 5000);
  assert.equal(started.level, "error");
  assert.match(started.message, /^app\.ts did not load: .*ERROR.*; save a fix and it loads$/s);
  client.send({ type: "user_message", id: "broken", content: "anyone?" });
  assert.match((await client.until("toast", 5000)).message, /^app\.ts did not load/);

  write(dir, { "app.ts": app("v2") });
  assert.equal((await client.until("notice", 10_000)).code, "APP_RELOADED");
  // The same socket and thread: the history holds the message sent while the app was broken.
  assert.equal(await ask(client, "hi"), "v2 alpha: hi [anyone?,hi]");
  assert.equal(client.received.filter((frame) => frame.type === "welcome").length, 1);
});

test("a change under node_modules (or a hidden directory) reloads nothing, and a reload keeps the packages the app imports", async (t) => {
  const dir = project(t, {
    "app.ts": `import { onMessage } from "chatwire";
import { loadedAt } from "dep";
onMessage((ctx) => ctx.send(\`v1 \${loadedAt}\`));
`,
    "node_modules/dep/package.json": JSON.stringify({ name: "dep", type: "module", exports: "./index.js" }),
    "node_modules/dep/index.js": "export const loadedAt = Math.random();\n",
  });
  const { gateway, client } = await watched(t, dir);
  const first = await ask(client, "hi");
  assert.match(first, /^v1 0\.\d+$/);

  write(dir, {
    "node_modules/dep/index.js": "export const loadedAt = -1;\n",
    "node_modules/dep/extra.ts": "export {};\n",
    ".hidden/tool.ts": "export {};\n",
  });
  await pause(1000); // ten debounce periods
  assert.equal(await ask(client, "hi"), first);
  assert.equal(
    client.received.some((frame) => frame.type === "notice"),
    false,
  );
  assert.doesNotMatch(gateway.output(), /reload/);

  // The watcher is alive: a local edit reloads, and the package's module is the one already loaded.
  write(dir, {
    "app.ts": `import { onMessage } from "chatwire";
import { loadedAt } from "dep";
onMessage((ctx) => ctx.send(\`v2 \${loadedAt}\`));
`,
  });
  assert.equal((await client.until("notice", 10_000)).code, "APP_RELOADED");
  assert.equal(await ask(client, "hi"), first.replace("v1", "v2"));
});

test("a JavaScript app reloads too, with the local module it imports", async (t) => {
  const js = (version: string) =>
    `import { onMessage } from "chatwire";\nimport { word } from "./word.mjs";\nonMessage((ctx, m) => ctx.send(\`${version} \${word} \${m.content}\`));\n`;
  const dir = project(t, { "app.mjs": js("v1"), "word.mjs": 'export const word = "alpha";\n' });
  const gateway = await startGatewayProcess(t, join(dir, "app.mjs"), { cwd: dir, args: ["-w"] });
  const client = await connectClient(`ws://127.0.0.1:${gateway.port}/ws`);
  t.after(() => client.close());
  assert.equal(await ask(client, "hi"), "v1 alpha hi");
  write(dir, { "word.mjs": 'export const word = "beta";\n' });
  assert.equal((await client.until("notice", 10_000)).code, "APP_RELOADED");
  assert.equal(await ask(client, "hi"), "v1 beta hi");
});
