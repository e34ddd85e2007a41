// A shared thread whose app's onSharedThreadView never settles, over real HTTP on the built package: the request
// fails with 503 SHARE_VIEW_TIMEOUT once shareViewTimeoutMs has passed, on chatwire's route and the Chainlit
// endpoint's alike, instead of being held open; the author is not held up (the hook is not asked for them).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createApp, createSqliteLayer } from "chatwire";
import { startGateway } from "../support/gateway.ts";
import { message } from "./contract.ts";

test("a share whose onSharedThreadView never settles fails with 503 SHARE_VIEW_TIMEOUT, not a request held open", async (t) => {
  const chat = createApp();
  chat.passwordAuth(({ username, password }) => (password === `${username}-pw` ? { identifier: username } : undefined));
  let asked = 0;
  chat.onSharedThreadView(() => {
    asked += 1;
    return new Promise<boolean>(() => {}); // a lookup that hangs
  });
  const dir = mkdtempSync(join(tmpdir(), "chatwire-share-timeout-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  await layer.migrate();
  t.after(async () => {
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await layer.apply([
    { kind: "thread", thread: { id: "t1", name: "Trip" }, owner: { identifier: "ada" } },
    { kind: "message", threadId: "t1", message: message("m1", "plan my trip", { role: "user", author: "ada" }) },
  ]);
  const server = await startGateway(t, {
    hooks: chat.seal(),
    data: layer,
    auth: { secret: "a-test-secret-that-is-long-enough-0123456789" },
    protocols: { chainlit: true },
    shareViewTimeoutMs: 200,
  });
  const { port } = server.server.address() as { port: number };
  const base = `http://127.0.0.1:${port}`;
  const login = await fetch(`${base}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "ada", password: "ada-pw" }),
  });
  const ada = { authorization: `Bearer ${((await login.json()) as { token: string }).token}` };
  const shared = await fetch(`${base}/threads/t1/share`, { method: "PUT", headers: ada });
  const { shareId } = (await shared.json()) as { shareId: string };

  const native = await fetch(`${base}/shared/${shareId}`);
  assert.equal(native.status, 503);
  assert.deepEqual(await native.json(), {
    code: "SHARE_VIEW_TIMEOUT",
    message: "onSharedThreadView did not answer within 200 ms",
  });
  const chainlit = await fetch(`${base}/project/share/t1`);
  assert.equal(chainlit.status, 503);
  assert.deepEqual(await chainlit.json(), {
    code: "SHARE_VIEW_TIMEOUT",
    detail: "onSharedThreadView did not answer within 200 ms",
  });
  assert.equal(asked, 2, "each request asked the hook once");

  const author = await fetch(`${base}/shared/${shareId}`, { headers: ada });
  assert.equal(author.status, 200, "the author is not held up: the hook is not asked for them");
  assert.equal(asked, 2);
});
