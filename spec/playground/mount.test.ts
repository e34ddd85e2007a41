// The playground plugin mounted by an embedder: the page's files under a prefix, served from memory, nothing else.
import assert from "node:assert/strict";
import { test } from "node:test";
import Fastify from "fastify";
import { chatwire } from "../../lib/gateway/plugin.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import { playground } from "../../lib/playground/plugin.ts";

test("an embedder mounts the page under a prefix; only the page's own files are served", async (t) => {
  const chat = createApp();
  chat.onMessage(async (ctx, message) => {
    await ctx.send(message.content);
  });
  const server = Fastify();
  t.after(() => server.close());
  await server.register(chatwire, { hooks: chat.seal() });
  await server.register(playground, { prefix: "/chat" });
  const address = await server.listen({ host: "127.0.0.1", port: 0 });

  const page = await fetch(`${address}/chat/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
  assert.match(await page.text(), /<script[^>]+app\.js/);

  const script = await fetch(`${address}/chat/app.js`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get("content-type") ?? "", /^text\/javascript/);
  const etag = script.headers.get("etag");
  assert.ok(etag);
  const again = await fetch(`${address}/chat/app.js`, { headers: { "if-none-match": etag } });
  assert.equal(again.status, 304);

  for (const path of ["/chat/../package.json", "/chat/%2e%2e/package.json", "/chat/build.ts", "/index.html"]) {
    assert.equal((await fetch(`${address}${path}`)).status, 404, path);
  }
});
