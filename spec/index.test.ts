// The public API: every capability of the seed (Chainlit's callbacks) has its TypeScript form in "chatwire".
import assert from "node:assert/strict";
import { test } from "node:test";
import * as chatwire from "../lib/index.ts";
import * as testing from "../lib/testing/index.ts";

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
