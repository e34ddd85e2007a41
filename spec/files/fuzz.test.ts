// Hostile multipart bodies never crash the server nor leave bytes behind: random and malformed bodies get a 4xx, an
// upload whose client goes away mid-stream is dropped, and the server keeps taking good uploads afterwards.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { request } from "node:http";
import { test } from "node:test";
import { createApp, createMemoryLayer } from "chatwire";
import { connectClient } from "chatwire/testing";
import { eventually, startGateway } from "../support/gateway.ts";
import { httpBase, PNG, upload } from "./support.ts";

/** A tiny deterministic generator, so a failure can be replayed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function hostileBody(random: () => number, boundary: string): Buffer {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${pick(["a.png", "", "..\\..\\x", "\u0000.txt", "a".repeat(5000)])}"\r\nContent-Type: ${pick(["image/png", "", "x/\r\ny", "text/html"])}\r\n\r\n`;
  const shapes = [
    () => Buffer.concat([Buffer.from(head), randomBytes(Math.floor(random() * 5000))]), // never closed
    () => Buffer.from(`--${boundary}--\r\n`), // no parts
    () => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="f"\r\n\r\nfield\r\n--${boundary}--\r\n`),
    () => Buffer.concat([Buffer.from(head), randomBytes(100), Buffer.from(`\r\n--${boundary}\r\n`), Buffer.from(head)]),
    () => randomBytes(Math.floor(random() * 3000)),
    () => Buffer.from(`--${boundary}\r\n${"X-A: b\r\n".repeat(500)}\r\n\r\n`),
  ];
  return pick(shapes)();
}

function post(base: string, ticket: string, body: Buffer, contentType: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/files`, {
      method: "POST",
      headers: { "content-type": contentType, "x-chatwire-upload": ticket, "content-length": body.length },
    });
    req.on("response", (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on("error", (error) => (String(error).includes("ECONNRESET") ? resolve(-1) : reject(error)));
    req.end(body);
  });
}

test("200 hostile multipart bodies get 4xx answers; the server then takes a good upload", async (t) => {
  const layer = createMemoryLayer();
  const server = await startGateway(t, { hooks: createApp().seal(), data: layer });
  const client = await connectClient(server);
  t.after(() => client.close());
  const base = httpBase(server);
  const ticket = client.welcome?.uploadToken ?? "";
  const random = rng(14);
  for (let i = 0; i < 200; i++) {
    const boundary = random() < 0.9 ? "b0undary" : "";
    const type = random() < 0.8 ? `multipart/form-data; boundary=${boundary}` : "multipart/form-data";
    const status = await post(base, ticket, hostileBody(random, "b0undary"), type);
    assert.ok(status === -1 || (status >= 400 && status < 500) || status === 201, `body ${i}: status ${status}`);
  }
  const good = await upload(base, ticket, "ok.png", "image/png", PNG);
  assert.equal(good.status, 201);
});

test("an upload whose client goes away mid-stream leaves nothing behind", async (t) => {
  const layer = createMemoryLayer();
  const server = await startGateway(t, { hooks: createApp().seal(), data: layer });
  const client = await connectClient(server);
  t.after(() => client.close());
  const base = httpBase(server);
  const sessionId = client.welcome?.sessionId ?? "";
  const boundary = "cut";
  const head = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  const req = request(`${base}/files`, {
    method: "POST",
    headers: {
      "content-type": `multipart/form-data; boundary=${boundary}`,
      "x-chatwire-upload": client.welcome?.uploadToken ?? "",
      "content-length": 5_000_000,
    },
  });
  req.on("error", () => {});
  req.write(head);
  req.write(randomBytes(1_000_000));
  await eventually(() => false, 300).catch(() => {}); // let the first chunks reach the store
  req.destroy();
  const files = layer.files;
  let left = -1;
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    left = (await files?.sessionBytes(sessionId)) ?? -1;
    if (left === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.equal(left, 0);
  assert.equal((await upload(base, client.welcome?.uploadToken, "ok.png", "image/png", PNG)).status, 201);
});
