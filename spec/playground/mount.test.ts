// The playground plugin mounted by an embedder: the page's files under a prefix, served from memory, nothing else;
// its Content-Security-Policy and allowlists come from the plugin's options.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chatwire, createApp, isChatwireError, playground } from "chatwire";
import Fastify from "fastify";

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

  // Without the slash, the page's relative links (style.css, app.js) would point above the mount: redirected.
  const bare = await fetch(`${address}/chat?ws=%2Fws`, { redirect: "manual" });
  assert.equal(bare.status, 308);
  assert.equal(bare.headers.get("location"), "/chat/?ws=%2Fws");

  for (const path of ["/chat/../package.json", "/chat/%2e%2e/package.json", "/chat/build.ts", "/index.html"]) {
    assert.equal((await fetch(`${address}${path}`)).status, 404, path);
  }
});

test("the page's policy: same origin only by default, the configured parents and gateways otherwise", async (t) => {
  const server = Fastify();
  t.after(() => server.close());
  await server.register(playground, { prefix: "/default" });
  await server.register(playground, {
    prefix: "/embedded",
    allowedParentOrigins: ["https://shop.example", "http://127.0.0.1:8080/"],
    allowedGateways: ["wss://chat.example/ws"],
  });
  const address = await server.listen({ host: "127.0.0.1", port: 0 });
  const config = (html: string) => {
    const content = /<meta name="chatwire-playground" content="([^"]*)"/.exec(html)?.[1] ?? "";
    return JSON.parse(content.replace(/&quot;/g, '"').replace(/&amp;/g, "&"));
  };

  const plain = await fetch(`${address}/default/`);
  const policy = plain.headers.get("content-security-policy") ?? "";
  assert.match(policy, /frame-ancestors 'self'(;|$)/);
  assert.match(policy, /connect-src 'self';/);
  assert.match(policy, /script-src 'self';/);
  assert.equal(plain.headers.get("x-frame-options"), "SAMEORIGIN");
  assert.deepEqual(config(await plain.text()), { parentOrigins: [], gateways: [] });

  const embedded = await fetch(`${address}/embedded/`);
  const wider = embedded.headers.get("content-security-policy") ?? "";
  assert.match(wider, /frame-ancestors 'self' https:\/\/shop\.example http:\/\/127\.0\.0\.1:8080(;|$)/);
  assert.match(wider, /connect-src 'self' wss:\/\/chat\.example\/ws;/);
  assert.equal(embedded.headers.get("x-frame-options"), null);
  assert.deepEqual(config(await embedded.text()), {
    parentOrigins: ["https://shop.example", "http://127.0.0.1:8080"],
    gateways: ["wss://chat.example/ws"],
  });
  assert.match(
    (await fetch(`${address}/embedded/host.html`)).headers.get("content-security-policy") ?? "",
    /frame-ancestors/,
  );
  assert.equal((await fetch(`${address}/embedded/app.js`)).headers.get("content-security-policy"), null);
});

test("allowlist entries that are not origins or ws: URLs are refused when the plugin is registered", async () => {
  for (const options of [
    { allowedParentOrigins: ["*"] },
    { allowedParentOrigins: ["https://shop.example/path"] },
    { allowedParentOrigins: ["javascript:alert(1)"] },
    { allowedGateways: ["https://chat.example/ws"] },
    { allowedGateways: ["ws: wss:"] },
  ]) {
    const server = Fastify();
    await assert.rejects(
      async () => {
        await server.register(playground, options);
        await server.ready();
      },
      (error: unknown) => isChatwireError(error, "INVALID_OPTION"),
    );
    await server.close();
  }
});
