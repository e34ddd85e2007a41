// Every value exported from "chatwire", "chatwire/testing", the clients ("chatwire/client", "chatwire/react",
// "chatwire/ai-sdk"), the integrations ("chatwire/ai-sdk/server", "chatwire/langchain") as they ship (dist/, by the
// package's own name), and chatwire/protocol's functions, is shown in use: its name appears as code inside a ```ts block of docs/*.md or README.md (string literals do not count, so
// `from "chatwire"` does not document the `chatwire` plugin).
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import * as api from "chatwire";
import * as aiSdk from "chatwire/ai-sdk";
import * as aiSdkServer from "chatwire/ai-sdk/server";
import * as client from "chatwire/client";
import * as langchain from "chatwire/langchain";
import * as protocol from "chatwire/protocol";
import * as testing from "chatwire/testing";

const root = new URL("../../", import.meta.url);
const files = [
  "README.md",
  ...readdirSync(new URL("docs/", root))
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];
const code = files
  .flatMap((file) => [...readFileSync(new URL(file, root), "utf8").matchAll(/```ts\n([\s\S]*?)```/g)])
  .map((match) => (match[1] ?? "").replace(/"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'/g, '""'))
  .join("\n");

const undocumented = (names: readonly string[]) =>
  names.filter((name) => !new RegExp(`(?<![\\w$])${name.replace(/\$/g, "\\$")}(?![\\w$])`).test(code));

test('every value exported from "chatwire" appears in a ts example in docs/ or README.md', () => {
  assert.ok(code.length > 0, "no ```ts blocks found");
  assert.deepEqual(undocumented(Object.keys(api)), []);
});

test('every value exported from "chatwire/testing" appears in a ts example', () => {
  assert.deepEqual(undocumented(Object.keys(testing)), []);
});

test("every function, class and constant of chatwire/protocol appears in a ts example (schemas aside)", () => {
  // The frame schemas (Hello, Welcome, …) are documented frame by frame in protocol.md's JSON examples instead.
  const values = Object.entries(protocol).filter(
    ([name, value]) => typeof value === "function" || /^[A-Z_]+$/.test(name),
  );
  assert.deepEqual(undocumented([...values.map(([name]) => name), "ServerFrame"]), []);
});

test("every value exported from chatwire/client, chatwire/react and chatwire/ai-sdk appears in a ts example", async () => {
  // chatwire/react is loaded by path: React's types must stay out of this program (see tsconfig.json).
  const react: Record<string, unknown> = await import(new URL("../../lib/react/index.ts", import.meta.url).href);
  assert.deepEqual(undocumented([...Object.keys(client), ...Object.keys(react), ...Object.keys(aiSdk)]), []);
  assert.deepEqual(Object.keys(react), ["useChat"]);
});

test("every value exported from chatwire/ai-sdk/server and chatwire/langchain appears in a ts example", () => {
  const values = [...Object.keys(aiSdkServer), ...Object.keys(langchain)];
  assert.deepEqual(values.sort(), ["DEFAULT_IGNORED_RUNS", "LangchainCallbackHandler", "streamTextToSession"]);
  assert.deepEqual(undocumented(values), []);
});
