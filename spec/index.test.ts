// The public API: every capability of the seed (Chainlit's callbacks) has its TypeScript form in "chatwire".
import assert from "node:assert/strict";
import { test } from "node:test";
import * as chatwire from "chatwire";
import * as testing from "chatwire/testing";

const seedRegistrars = [
  "onAppStartup",
  "onAppShutdown",
  "onChatStart",
  "onChatResume",
  "onChatEnd",
  "onStop",
  "onMessage",
  "onAudioStart",
  "onAudioChunk",
  "onAudioEnd",
  "actionCallback",
  "onFeedback",
  "authorRename",
  "onWindowMessage",
] as const;

test("every callback of the seed is exported as a registrar of the default app", () => {
  const exported: Record<string, unknown> = { ...chatwire };
  for (const name of seedRegistrars) {
    assert.equal(typeof exported[name], "function", name);
    assert.equal(exported[name], chatwire.defaultApp[name], `${name} writes into the default app`);
  }
  assert.equal(typeof chatwire.sendWindowMessage, "function");
});

test('"chatwire" and its entries resolve, by the package\'s own name, to dist/: the tests run what ships', () => {
  for (const entry of ["chatwire", "chatwire/testing", "chatwire/protocol"]) {
    assert.match(import.meta.resolve(entry), /\/dist\/[\w/]*index\.js$/, entry);
  }
});

test("the three ways in are exported: createServer/serve for scripts, the plugin, and the testing helpers", () => {
  assert.equal(typeof chatwire.serve, "function");
  assert.equal(typeof chatwire.createServer, "function");
  assert.equal(typeof chatwire.chatwire, "function");
  assert.equal(typeof testing.createFakeContext, "function");
  assert.equal(typeof testing.connectClient, "function");
});

test("sendWindowMessage(ctx, data) is ctx.sendWindowMessage(data)", async () => {
  const ctx = testing.createFakeContext();
  await chatwire.sendWindowMessage(ctx, { type: "config_update", theme: "dark" });
  assert.deepEqual(ctx.sent, [{ type: "window_message", data: { type: "config_update", theme: "dark" } }]);
});
