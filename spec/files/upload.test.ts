// POST /files and GET /files/:id over a real server: tickets, limits, sniffing, signed downloads, the headers that
// keep a browser from running what it fetched, ranges.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { createApp, createMemoryLayer, type GatewayOptions } from "chatwire";
import { connectClient } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";
import { httpBase, PNG, upload } from "./support.ts";

async function start(t: import("node:test").TestContext, options: Partial<GatewayOptions> = {}) {
  const layer = createMemoryLayer();
  const server = await startGateway(t, { hooks: createApp().seal(), data: layer, ...options });
  const client = await connectClient(server);
  t.after(() => client.close());
  const ticket = client.welcome?.uploadToken;
  assert.ok(ticket, "welcome carries an upload ticket");
  return { server, base: httpBase(server), ticket, layer, sessionId: client.welcome?.sessionId ?? "" };
}

test("an upload is stored under the session, typed by its bytes, and served only at its signed URL", async (t) => {
  const { base, ticket, layer, sessionId } = await start(t);
  const sent = await upload(base, ticket, "../../etc/cat.png", "text/plain", PNG);
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  assert.equal(sent.body.mime, "image/png", "the bytes say PNG, whatever the client declared");
  assert.equal(sent.body.name, "cat.png", "no directories in a stored name");
  assert.equal(sent.body.size, PNG.length);
  const stored = await layer.files?.get(sent.body.id ?? "");
  assert.equal(stored?.sessionId, sessionId);

  const got = await fetch(`${base}${sent.body.url}`);
  assert.equal(got.status, 200);
  assert.ok(Buffer.from(await got.arrayBuffer()).equals(PNG));
  assert.equal(got.headers.get("content-type"), "image/png");
  assert.equal(got.headers.get("x-content-type-options"), "nosniff");
  assert.match(got.headers.get("content-disposition") ?? "", /^inline; filename="cat.png"/);
  assert.ok(got.headers.get("etag"));

  for (const url of [`/files/${sent.body.id}`, `${sent.body.url}x`, `/files/${sent.body.id}?exp=1&sig=abc`]) {
    const refused = await fetch(`${base}${url}`);
    assert.equal(refused.status, 404, url);
    assert.equal(((await refused.json()) as { code: string }).code, "UNKNOWN_FILE");
  }
});

test("without a valid ticket nothing is stored; a body that is not multipart is BAD_UPLOAD", async (t) => {
  const { base, ticket } = await start(t);
  assert.equal((await upload(base, undefined, "a.txt", "text/plain", Buffer.from("hi"))).status, 401);
  const forged = `${ticket.split(".")[0]}.${"A".repeat(43)}`;
  const refused = await upload(base, forged, "a.txt", "text/plain", Buffer.from("hi"));
  assert.equal(refused.status, 401);
  assert.equal(refused.body.code, "UNAUTHENTICATED");
  const plain = await fetch(`${base}/files`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-chatwire-upload": ticket },
    body: "{}",
  });
  assert.equal(plain.status, 400);
  assert.equal(((await plain.json()) as { code: string }).code, "BAD_UPLOAD");
});

test("an upload past maxUploadBytes is cut off with 413 FILE_TOO_LARGE and leaves nothing behind", async (t) => {
  const { base, ticket, layer, sessionId } = await start(t, { maxUploadBytes: 300_000 });
  const refused = await upload(base, ticket, "big.bin", "application/octet-stream", randomBytes(1_000_000));
  assert.equal(refused.status, 413);
  assert.equal(refused.body.code, "FILE_TOO_LARGE");
  assert.equal(await layer.files?.sessionBytes(sessionId), 0);
  const fits = await upload(base, ticket, "ok.bin", "application/octet-stream", randomBytes(300_000));
  assert.equal(fits.status, 201, "exactly the limit fits");
});

test("a session's uploads are bounded by maxUploadBytesPerSession: UPLOAD_QUOTA", async (t) => {
  const { base, ticket, layer, sessionId } = await start(t, { maxUploadBytesPerSession: 500_000 });
  assert.equal((await upload(base, ticket, "a.bin", "application/octet-stream", randomBytes(400_000))).status, 201);
  const over = await upload(base, ticket, "b.bin", "application/octet-stream", randomBytes(200_000));
  assert.equal(over.status, 413);
  assert.equal(over.body.code, "UPLOAD_QUOTA");
  assert.equal(await layer.files?.sessionBytes(sessionId), 400_000);
});

test("uploadAccept is checked against the bytes: a script declared as PNG is FILE_REFUSED", async (t) => {
  const { base, ticket } = await start(t, { uploadAccept: ["image/*"] });
  const script = await upload(base, ticket, "x.png", "image/png", Buffer.from("<script>alert(1)</script>"));
  assert.equal(script.status, 415);
  assert.equal(script.body.code, "FILE_REFUSED");
  assert.equal((await upload(base, ticket, "y.png", "image/png", PNG)).status, 201);
});

test("SVG and HTML are never inline; ranges give 206 and 416", async (t) => {
  const { base, ticket } = await start(t);
  const svg = await upload(base, ticket, "x.svg", "image/svg+xml", Buffer.from('<svg onload="alert(1)"/>'));
  const served = await fetch(`${base}${svg.body.url}`);
  assert.match(served.headers.get("content-disposition") ?? "", /^attachment;/);
  assert.match(served.headers.get("content-security-policy") ?? "", /sandbox/);
  const html = await upload(base, ticket, "x.html", "text/html", Buffer.from("<b>hi</b>"));
  assert.match((await fetch(`${base}${html.body.url}`)).headers.get("content-disposition") ?? "", /^attachment;/);

  const bytes = randomBytes(600_000);
  const media = await upload(base, ticket, "clip.bin", "application/octet-stream", bytes);
  const part = await fetch(`${base}${media.body.url}`, { headers: { range: "bytes=262000-262199" } });
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-range"), `bytes 262000-262199/${bytes.length}`);
  assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(262000, 262200)));
  const tail = await fetch(`${base}${media.body.url}`, { headers: { range: "bytes=-10" } });
  assert.ok(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(bytes.length - 10)));
  const beyond = await fetch(`${base}${media.body.url}`, { headers: { range: "bytes=700000-" } });
  assert.equal(beyond.status, 416);
});

test("an upload nobody claims is swept after unclaimedUploadTtlMs; a claimed one stays", async (t) => {
  const chat = createApp();
  chat.onMessage(() => {});
  const layer = createMemoryLayer();
  const server = await startGateway(t, { hooks: chat.seal(), data: layer, unclaimedUploadTtlMs: 400 });
  const client = await connectClient(server);
  t.after(() => client.close());
  const base = httpBase(server);
  const ticket = client.welcome?.uploadToken;
  const loose = await upload(base, ticket, "loose.txt", "text/plain", Buffer.from("loose"));
  const kept = await upload(base, ticket, "kept.txt", "text/plain", Buffer.from("kept"));
  client.send({ type: "user_message", id: "m1", content: "x", files: [kept.body.id ?? ""] });
  await client.until("task_end");
  const deadline = Date.now() + 5000;
  while ((await layer.files?.get(loose.body.id ?? "")) !== undefined) {
    assert.ok(Date.now() < deadline, "the unclaimed upload was not swept");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.equal((await layer.files?.get(kept.body.id ?? ""))?.name, "kept.txt");
});
