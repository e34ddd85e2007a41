// `chatwire run` on TypeScript and JavaScript apps in a project of their own (chatwire linked into its
// node_modules), served by a real process: lib/cli/typescript.ts, lib/cli/typescript-hooks.ts, lib/cli/transpile.ts.
import assert from "node:assert/strict";
import { once } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type TestContext, test } from "node:test";
import { connectClient } from "chatwire/testing";
import { startGatewayProcess } from "../support/process.ts";

/** A directory with `files` and node_modules/chatwire linking to this checkout; removed when the test ends. */
function project(t: TestContext, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-run-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(resolve("."), join(dir, "node_modules", "chatwire"), "dir");
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** Runs `chatwire run script` in `dir`, sends one message, returns the reply's text, and stops it with SIGTERM. */
async function replyOf(t: TestContext, dir: string, script: string): Promise<string> {
  const gateway = await startGatewayProcess(t, join(dir, script), { cwd: dir });
  const client = await connectClient(`ws://127.0.0.1:${gateway.port}/ws`);
  client.send({ type: "user_message", id: "m", content: "hi" });
  const reply = (await client.until("message_new", 5000)).message.content;
  const exited = once(gateway.child, "exit");
  gateway.child.kill("SIGTERM");
  assert.equal((await exited)[0], 0, gateway.output());
  return reply;
}

const app = `
import { onMessage } from "chatwire";
import { greetingFile, greetingText, Tone } from "./greeting.js"; // the TypeScript convention: greeting.ts

interface Reply { readonly text: string }
onMessage(async (ctx, message) => {
  const reply: Reply = { text: \`\${greetingText} \${Tone.Warm} \${message.content} from \${greetingFile} in \${import.meta.url}\` };
  await ctx.send(reply.text);
});
`;
const greeting = (word: string) => `
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export enum Tone { Warm = "warmly" }
export const greetingFile: string = fileURLToPath(import.meta.url);
// Read beside this module, not beside the app: each file keeps its own import.meta.url.
export const greetingText: string = readFileSync(new URL("./${word}.txt", import.meta.url), "utf8").trim();
`;

/** What the app answers to "hi" in `dir` when the greeting file says `word`. */
const answer = (dir: string, word: string) =>
  `${word} warmly hi from ${join(dir, "greeting.ts")} in file://${join(dir, "app.ts")}`;

test("chatwire run serves a TypeScript app that imports a sibling .ts module by its .js name, each with its own import.meta.url", async (t) => {
  const dir = project(t, { "app.ts": app, "greeting.ts": greeting("hello"), "hello.txt": "hello\n" });
  assert.equal(await replyOf(t, dir, "app.ts"), answer(dir, "hello"));
});

test("chatwire run keeps transpiled files in node_modules/.cache/chatwire: a warm start rewrites none, an edited file is redone", async (t) => {
  const dir = project(t, {
    "app.ts": app,
    "greeting.ts": greeting("hello"),
    "hello.txt": "hello\n",
    "bye.txt": "bye\n",
  });
  const cache = join(dir, "node_modules", ".cache", "chatwire");
  const entries = () => new Map(readdirSync(cache).map((name) => [name, statSync(join(cache, name)).mtimeMs]));
  assert.equal(await replyOf(t, dir, "app.ts"), answer(dir, "hello"));
  const cold = entries();
  assert.equal(cold.size, 2);

  assert.equal(await replyOf(t, dir, "app.ts"), answer(dir, "hello"));
  assert.deepEqual(entries(), cold);

  writeFileSync(join(dir, "greeting.ts"), greeting("bye"));
  assert.equal(await replyOf(t, dir, "app.ts"), answer(dir, "bye"));
  const edited = entries();
  assert.equal(edited.size, 2);
  assert.equal([...edited].filter(([name, mtime]) => cold.get(name) !== mtime).length, 1);
});

test("chatwire run imports a JavaScript app as it is, without the TypeScript hooks or their cache", async (t) => {
  const dir = project(t, {
    "app.mjs": `import { onMessage } from "chatwire";\nonMessage((ctx, m) => ctx.send(\`js \${m.content}\`));\n`,
  });
  assert.equal(await replyOf(t, dir, "app.mjs"), "js hi");
  assert.equal(existsSync(join(dir, "node_modules", ".cache")), false);
});
