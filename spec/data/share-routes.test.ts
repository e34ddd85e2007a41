// Shared threads on a real gateway (the built package) with SQLite and passwordAuth: the author shares and unshares,
// onSharedThreadView decides for everyone else, and every refusal is the same 404 as a link that never existed.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import type { ThreadDict } from "chatwire";
import { createApp, createSqliteLayer, PRIVATE_METADATA_KEY, type User } from "chatwire";
import { startGateway } from "../support/gateway.ts";
import { message } from "./contract.ts";

const secret = "a-test-secret-that-is-long-enough-0123456789";
type Verdict = (thread: ThreadDict, viewer: User | undefined) => boolean;

/** A gateway where ada owns thread "t1" (with feedback, a saved session, settings and private fields) and bob has
 * nothing; `verdict` is the app's onSharedThreadView (none: the default). Each call it gets is recorded. */
async function setup(t: TestContext, verdict?: Verdict) {
  const chat = createApp();
  chat.passwordAuth(({ username, password }) => (password === `${username}-pw` ? { identifier: username } : undefined));
  const asked: { thread: ThreadDict; viewer: User | undefined }[] = [];
  if (verdict !== undefined) {
    chat.onSharedThreadView((thread, viewer) => {
      asked.push({ thread, viewer });
      return verdict(thread, viewer);
    });
  }
  const dir = mkdtempSync(join(tmpdir(), "chatwire-share-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  await layer.migrate();
  t.after(async () => {
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  await layer.apply([
    { kind: "thread", thread: { id: "t1", name: "Trip to Oslo" }, owner: { identifier: "ada" } },
    {
      kind: "thread_patch",
      threadId: "t1",
      patch: {
        metadata: {
          topic: "travel",
          notes: "my passport number",
          chatwireSession: { turns: 2 },
          chatwireConversation: { settings: { model: "big" } },
          [PRIVATE_METADATA_KEY]: ["notes", "e-scan"],
        },
      },
    },
    { kind: "message", threadId: "t1", message: message("m1", "plan my trip", { role: "user", author: "ada" }) },
    {
      kind: "message",
      threadId: "t1",
      message: message("m2", "here is a plan", {
        actions: [{ id: "a1", name: "book", label: "Book", payload: { card: "4111 1111" }, messageId: "m2" }],
      }),
    },
    { kind: "feedback", feedback: { id: "f1", forId: "m2", value: 0, comment: "too pricey for me" } },
    { kind: "element", threadId: "t1", element: { id: "e-map", forId: "m2", name: "map.png", url: "https://x/m" } },
    { kind: "element", threadId: "t1", element: { id: "e-scan", forId: "m2", name: "scan.png", url: "https://x/s" } },
  ]);
  const server = await startGateway(t, { hooks: chat.seal(), data: layer, auth: { secret } });
  const signIn = async (username: string) => {
    const reply = await server.inject({
      method: "POST",
      url: "/auth/login",
      payload: { username, password: `${username}-pw` },
    });
    assert.equal(reply.statusCode, 200);
    return { authorization: `Bearer ${(reply.json() as { token: string }).token}` };
  };
  const ada = await signIn("ada");
  const bob = await signIn("bob");
  const anonymous = {};
  const share = async (headers: Record<string, string> = ada) =>
    server.inject({ method: "PUT", url: "/threads/t1/share", headers });
  const view = (shareId: string, headers: Record<string, string>) =>
    server.inject({ method: "GET", url: `/shared/${shareId}`, headers });
  // What every refusal must look like: the answer for a link that never existed.
  const missing = (await view("never-shared", ada)).json();
  return { server, layer, ada, bob, anonymous, share, view, missing, asked };
}

test("the author shares a thread: the same link each time, read by the author without asking the hook", async (t) => {
  const { share, view, ada, asked } = await setup(t, () => false);
  const first = await share();
  assert.equal(first.statusCode, 200);
  const { shareId, url } = first.json() as { shareId: string; url: string };
  assert.match(shareId, /^[\w-]{24}$/);
  assert.equal(url, `/shared/${shareId}`);
  assert.deepEqual((await share()).json(), { shareId, url });
  const read = await view(shareId, ada);
  assert.equal(read.statusCode, 200);
  assert.equal(read.headers["cache-control"], "no-store", "no cache may serve it after unsharing");
  assert.equal(read.json().name, "Trip to Oslo");
  assert.equal(asked.length, 0);
});

test("without onSharedThreadView, another user and an anonymous viewer get the 404 of a link that never existed", async (t) => {
  const { share, view, bob, anonymous, missing } = await setup(t);
  assert.deepEqual(missing, { code: "THREAD_NOT_FOUND", message: "no such thread" });
  const { shareId } = (await share()).json() as { shareId: string };
  for (const headers of [bob, anonymous]) {
    const refused = await view(shareId, headers);
    assert.equal(refused.statusCode, 404);
    assert.deepEqual(refused.json(), missing);
  }
});

test("only the author shares or unshares: another user, an anonymous caller, an unknown thread all get the same 404", async (t) => {
  const { server, layer, share, bob, anonymous, ada, missing } = await setup(t, () => true);
  for (const headers of [bob, anonymous]) {
    for (const method of ["PUT", "DELETE"] as const) {
      const refused = await server.inject({ method, url: "/threads/t1/share", headers });
      assert.equal(refused.statusCode, 404, `${method} by ${JSON.stringify(headers)}`);
      assert.deepEqual(refused.json(), missing);
    }
  }
  assert.equal((await layer.getThread("t1"))?.shareId, undefined);
  const unknown = await server.inject({ method: "PUT", url: "/threads/nope/share", headers: ada });
  assert.equal(unknown.statusCode, 404);
  assert.deepEqual(unknown.json(), missing);
  // bob's share of ada's thread did nothing; ada's own works.
  assert.equal((await share()).statusCode, 200);
  assert.equal((await server.inject({ method: "DELETE", url: "/threads/t1/share", headers: bob })).statusCode, 404);
  assert.notEqual((await layer.getThread("t1"))?.shareId, undefined);
});

test("onSharedThreadView decides for others: it gets the whole thread and the viewer, undefined when anonymous", async (t) => {
  const { share, view, bob, anonymous, missing, asked } = await setup(
    t,
    (_thread, viewer) => viewer?.identifier === "bob",
  );
  const { shareId } = (await share()).json() as { shareId: string };
  assert.equal((await view(shareId, bob)).statusCode, 200);
  const refused = await view(shareId, anonymous);
  assert.equal(refused.statusCode, 404);
  assert.deepEqual(refused.json(), missing);
  assert.deepEqual(
    asked.map(({ viewer }) => viewer?.identifier),
    ["bob", undefined],
  );
  // The hook sees what the author sees (private fields too), not the server's saved session.
  const seen = asked[0]?.thread;
  assert.equal(seen?.userIdentifier, "ada");
  assert.equal(seen?.metadata.notes, "my passport number");
  assert.equal(seen?.metadata.chatwireSession, undefined);
});

test("an anonymous viewer reads a share when the hook allows everyone; a hook that throws refuses", async (t) => {
  let allow = true;
  const { share, view, anonymous, missing } = await setup(t, () => {
    if (!allow) throw new Error("policy store down");
    return true;
  });
  const { shareId } = (await share()).json() as { shareId: string };
  assert.equal((await view(shareId, anonymous)).statusCode, 200);
  allow = false;
  const refused = await view(shareId, anonymous);
  assert.equal(refused.statusCode, 404);
  assert.deepEqual(refused.json(), missing);
});

test("the shared view has the conversation but no owner, feedback, actions, saved session, settings or private fields", async (t) => {
  const { share, view, bob } = await setup(t, () => true);
  const { shareId } = (await share()).json() as { shareId: string };
  const shown = (await view(shareId, bob)).json();
  const map = { id: "e-map", name: "map.png", url: "https://x/m" };
  assert.deepEqual(shown, {
    createdAt: shown.createdAt,
    name: "Trip to Oslo",
    tags: [],
    metadata: { topic: "travel" },
    steps: [
      { kind: "message", ...message("m1", "plan my trip", { role: "user", author: "ada" }) },
      { kind: "message", ...message("m2", "here is a plan"), elements: [map] },
    ],
    elements: [{ ...map, forId: "m2" }],
  });
  assert.doesNotMatch(JSON.stringify(shown), /passport|pricey|scan|big|4111|userId|"t1"/);
});

test("unsharing closes the link at once, for the author too; sharing again makes a new link", async (t) => {
  const { server, share, view, ada, bob, missing } = await setup(t, () => true);
  const { shareId } = (await share()).json() as { shareId: string };
  assert.equal((await view(shareId, bob)).statusCode, 200);
  const unshared = await server.inject({ method: "DELETE", url: "/threads/t1/share", headers: ada });
  assert.equal(unshared.statusCode, 204);
  for (const headers of [bob, ada]) {
    const refused = await view(shareId, headers);
    assert.equal(refused.statusCode, 404);
    assert.deepEqual(refused.json(), missing);
  }
  // Unsharing what is not shared is no error.
  assert.equal((await server.inject({ method: "DELETE", url: "/threads/t1/share", headers: ada })).statusCode, 204);
  const again = (await share()).json() as { shareId: string };
  assert.notEqual(again.shareId, shareId);
  assert.equal((await view(again.shareId, bob)).statusCode, 200);
});

test("deleting a shared thread closes its link", async (t) => {
  const { server, share, view, ada, bob, missing } = await setup(t, () => true);
  const { shareId } = (await share()).json() as { shareId: string };
  assert.equal((await server.inject({ method: "DELETE", url: "/threads/t1", headers: ada })).statusCode, 204);
  for (const headers of [bob, ada]) {
    const refused = await view(shareId, headers);
    assert.equal(refused.statusCode, 404);
    assert.deepEqual(refused.json(), missing);
  }
});

test("a shared thread is listed for its author only, and the author's own read of it shows the share id", async (t) => {
  const { server, share, ada, bob } = await setup(t, () => true);
  const { shareId } = (await share()).json() as { shareId: string };
  const list = (headers: Record<string, string>) => server.inject({ method: "GET", url: "/threads", headers });
  assert.deepEqual((await list(bob)).json(), { threads: [] });
  assert.deepEqual(
    (await list(ada)).json().threads.map((thread: { id: string }) => thread.id),
    ["t1"],
  );
  assert.equal((await server.inject({ method: "GET", url: "/threads/t1", headers: ada })).json().shareId, shareId);
});
