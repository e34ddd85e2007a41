// docs/client.md's first example is a whole program: it runs here, as a reader would run it, against a real server
// (through the built package: `npm run build` first, as `npm test` does).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { createApp } from "../../lib/hooks/registrars.ts";
import { startChat } from "../client/support.ts";
import { typescriptLoader } from "../support/process.ts";

const root = new URL("../../", import.meta.url);

test("docs/client.md's chatwire/client example runs: it sends, waits for its task, reads the snapshot, closes", async (t) => {
  const doc = await readFile(new URL("docs/client.md", root), "utf8");
  const example = /## chatwire\/client\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(doc)?.[1];
  assert.ok(example, "the example is in docs/client.md");
  const app = createApp();
  const ended: string[] = [];
  app.onMessage(async (ctx, message) => {
    const reply = await ctx.stream();
    for (const word of `echo: ${message.content}`.split(" ")) await reply.streamToken(`${word} `);
    await reply.endStream();
  });
  app.onChatEnd((ctx) => {
    ended.push(ctx.sessionId);
  });
  const { url } = await startChat(t, app.seal());
  // Inside the package, so that "chatwire/client" resolves to this package's build.
  const folder = new URL("spec/.artifacts/", root);
  await mkdir(folder, { recursive: true });
  const file = new URL("client-example.ts", folder);
  await writeFile(file, example);
  t.after(() => rm(file, { force: true }));
  const child = spawn(process.execPath, [...typescriptLoader, fileURLToPath(file)], {
    env: { ...process.env, CHATWIRE_URL: url },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (chunk) => {
    out += String(chunk);
  });
  child.stderr.on("data", (chunk) => {
    out += String(chunk);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`the example did not end within 20 s:\n${out}`));
    }, 20_000);
    child.once("exit", (exit) => {
      clearTimeout(timer);
      resolve(exit);
    });
  });
  assert.equal(code, 0, out);
  assert.match(out, /You: What is the weather in Paris\?\nAssistant: echo: What is the weather in Paris\? \nidle\n/);
  assert.ok(ended.length === 1 || out.includes("closed 1000"), "the session was closed");
});
