// A 100 MiB upload streams into SQLite chunk by chunk while the server process's RSS grows by less than 32 MiB (issue
// 14's bound). The server runs in its own process (spec/fixtures/upload-server.ts), so the client's own buffers do
// not count. Measured 13-19 MiB on Node 20, 22, 24 and 26 on a loaded machine: the socket's dead read buffers are
// collected every 8 MiB received (lib/gateway/upload-garbage.ts); without that, 36-73 MiB depending on the Node
// version and the load (docs/files.md).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { type IncomingMessage, request } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { connectClient } from "chatwire/testing";
import { eventually } from "../support/gateway.ts";
import { typescriptLoader } from "../support/process.ts";

const MiB = 1024 * 1024;
const SIZE = 100 * MiB;

test("a 100 MiB upload is stored whole while the server's RSS grows by less than 32 MiB", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-big-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [...typescriptLoader, resolve("spec/fixtures/upload-server.ts")], {
    cwd: dir,
    env: { ...process.env, HOST: "127.0.0.1", DATABASE_URL: undefined },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => child.kill("SIGKILL"));
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (output += String(chunk)));
  const listening = /listening at (http:\/\/127\.0\.0\.1:\d+)/;
  await eventually(() => listening.test(output) || child.exitCode !== null, 20_000);
  const base = listening.exec(output)?.[1];
  assert.ok(base, output);

  const client = await connectClient(`${base.replace(/^http/, "ws")}/ws`);
  t.after(() => client.close());
  const ask = async (content: string) => {
    client.send({ type: "user_message", id: content, content });
    return Number((await client.until("message_new", 10_000)).message.content);
  };
  // The first commits start SQLite's checkpoint worker (docs/persistence.md: ~9 MiB once per process, not the
  // upload's): measured from after it has settled.
  await ask("warm");
  let last = await ask("rss");
  for (let i = 0; i < 25; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    const now = await ask("rss");
    if (Math.abs(now - last) < MiB) break;
    last = now;
  }
  await ask("reset");

  const boundary = "big";
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const req = request(`${base}/files`, {
    method: "POST",
    headers: {
      "content-type": `multipart/form-data; boundary=${boundary}`,
      "x-chatwire-upload": client.welcome?.uploadToken ?? "",
      "content-length": head.length + SIZE + tail.length,
    },
  });
  const answered = once(req, "response");
  req.write(head);
  const chunk = Buffer.alloc(64 * 1024, 7);
  for (let sent = 0; sent < SIZE; sent += chunk.length) {
    if (!req.write(chunk)) await once(req, "drain");
  }
  req.end(tail);
  const [response] = (await answered) as [IncomingMessage];
  let body = "";
  for await (const part of response) body += String(part);
  assert.equal(response.statusCode, 201, body);
  assert.equal((JSON.parse(body) as { size: number }).size, SIZE);
  const grown = (await ask("peak")) / MiB;
  console.log(`server RSS grew by ${grown.toFixed(1)} MiB during a 100 MiB upload`);
  assert.ok(grown < 32, `server RSS grew by ${grown.toFixed(1)} MiB`);
});
