// The thread routes: owners only, anonymous threads by secret, and a foreign thread looks exactly like a missing one.
import assert from "node:assert/strict";
import { test } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import type { DataLayer } from "../../lib/data/layer.ts";
import { createMemoryLayer } from "../../lib/data/memory.ts";
import { THREAD_SECRET_HEADER, threadRoutes } from "../../lib/data/routes.ts";
import { createThreadSecret, hashThreadSecret } from "../../lib/data/secret.ts";
import { message } from "./contract.ts";

/** A server whose caller is named by the `x-test-user` header (absent: anonymous), with A's and an anonymous thread. */
async function setup(t: { after: (fn: () => Promise<void>) => void }) {
  const layer: DataLayer = createMemoryLayer();
  await layer.migrate();
  const ada = await layer.upsertUser({ identifier: "ada" });
  await layer.upsertUser({ identifier: "bob" });
  await layer.createThread({ id: "ada-1", userId: ada.id, name: "Trip to Oslo" });
  await layer.createThread({ id: "ada-2", userId: ada.id, name: "Groceries" });
  await layer.apply([{ kind: "message", threadId: "ada-1", message: message("m1", "hello") }]);
  const secret = createThreadSecret();
  await layer.createThread({ id: "anon-1", secretHash: hashThreadSecret(secret), name: "Anonymous" });
  const server: FastifyInstance = Fastify({ logger: false });
  await server.register(threadRoutes, {
    layer,
    prefix: "/api",
    userOf: (request) => {
      const name = request.headers["x-test-user"];
      return typeof name === "string" ? { identifier: name } : undefined;
    },
  });
  t.after(() => server.close());
  const as = (user: string | undefined, extra: Record<string, string> = {}) => ({
    ...(user === undefined ? {} : { "x-test-user": user }),
    ...extra,
  });
  return { layer, server, secret, as };
}

test("a user lists only their own threads, newest first, paginated and searchable", async (t) => {
  const { server, as } = await setup(t);
  const first = await server.inject({ url: "/api/threads?limit=1", headers: as("ada") });
  assert.equal(first.statusCode, 200);
  const page = first.json();
  assert.deepEqual(
    page.threads.map((thread: { id: string }) => thread.id),
    ["ada-2"],
  );
  const second = await server.inject({ url: `/api/threads?limit=1&cursor=${page.nextCursor}`, headers: as("ada") });
  assert.deepEqual(second.json(), {
    threads: [{ id: "ada-1", name: "Trip to Oslo", createdAt: second.json().threads[0].createdAt, tags: [] }],
  });
  const found = await server.inject({ url: "/api/threads?search=oslo", headers: as("ada") });
  assert.deepEqual(
    found.json().threads.map((thread: { id: string }) => thread.id),
    ["ada-1"],
  );
  const bob = await server.inject({ url: "/api/threads", headers: as("bob") });
  assert.deepEqual(bob.json(), { threads: [] });
});

test("listing without a user is 401", async (t) => {
  const { server, as } = await setup(t);
  const response = await server.inject({ url: "/api/threads", headers: as(undefined) });
  assert.equal(response.statusCode, 401);
  assert.equal(response.json().code, "UNAUTHENTICATED");
});

test("the owner reads a thread with its history, renames it and deletes it", async (t) => {
  const { server, layer, as } = await setup(t);
  const read = await server.inject({ url: "/api/threads/ada-1", headers: as("ada") });
  assert.equal(read.statusCode, 200);
  assert.equal(read.json().userIdentifier, "ada");
  assert.deepEqual(
    read.json().steps.map((s: { id: string; kind: string }) => [s.kind, s.id]),
    [["message", "m1"]],
  );
  const renamed = await server.inject({
    method: "PATCH",
    url: "/api/threads/ada-1",
    headers: as("ada"),
    payload: { name: "Oslo, June" },
  });
  assert.equal(renamed.statusCode, 200);
  assert.equal(renamed.json().name, "Oslo, June");
  assert.equal((await layer.getThread("ada-1"))?.name, "Oslo, June");
  const deleted = await server.inject({ method: "DELETE", url: "/api/threads/ada-1", headers: as("ada") });
  assert.equal(deleted.statusCode, 204);
  assert.equal(await layer.getThread("ada-1"), undefined);
});

test("another user cannot read, rename or delete a thread: the same 404 as a missing one", async (t) => {
  const { server, layer, as } = await setup(t);
  const missing = await server.inject({ url: "/api/threads/no-such-thread", headers: as("bob") });
  assert.equal(missing.statusCode, 404);
  const requests = [
    { method: "GET" as const, url: "/api/threads/ada-1" },
    { method: "PATCH" as const, url: "/api/threads/ada-1", payload: { name: "pwned" } },
    { method: "DELETE" as const, url: "/api/threads/ada-1" },
  ];
  for (const request of requests) {
    for (const headers of [as("bob"), as(undefined)]) {
      const response = await server.inject({ ...request, headers });
      assert.equal(response.statusCode, 404, `${request.method} as ${JSON.stringify(headers)}`);
      assert.equal(response.body, missing.body);
    }
  }
  assert.equal((await layer.getThread("ada-1"))?.name, "Trip to Oslo");
});

test("an anonymous thread opens with its secret, and only with it", async (t) => {
  const { server, layer, secret, as } = await setup(t);
  const ok = await server.inject({
    url: "/api/threads/anon-1",
    headers: as(undefined, { [THREAD_SECRET_HEADER]: secret }),
  });
  assert.equal(ok.statusCode, 200);
  assert.equal(ok.json().name, "Anonymous");
  assert.equal("secretHash" in ok.json(), false);
  const wrongSecret = as(undefined, { [THREAD_SECRET_HEADER]: `${secret}x` });
  for (const headers of [wrongSecret, as(undefined), as("ada"), as("ada", { [THREAD_SECRET_HEADER]: "" })]) {
    const response = await server.inject({ url: "/api/threads/anon-1", headers });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().code, "THREAD_NOT_FOUND");
  }
  const rename = await server.inject({
    method: "PATCH",
    url: "/api/threads/anon-1",
    headers: wrongSecret,
    payload: { name: "pwned" },
  });
  assert.equal(rename.statusCode, 404);
  const deleted = await server.inject({
    method: "DELETE",
    url: "/api/threads/anon-1",
    headers: as(undefined, { [THREAD_SECRET_HEADER]: secret }),
  });
  assert.equal(deleted.statusCode, 204);
  assert.equal(await layer.getThread("anon-1"), undefined);
});

test("a secret does not open an owned thread", async (t) => {
  const { server, secret, as } = await setup(t);
  const response = await server.inject({
    url: "/api/threads/ada-1",
    headers: as("bob", { [THREAD_SECRET_HEADER]: secret }),
  });
  assert.equal(response.statusCode, 404);
});

test("malformed input is refused with 400 before reaching the layer", async (t) => {
  const { server, layer, as } = await setup(t);
  const cases = [
    { method: "GET" as const, url: "/api/threads?limit=500" },
    { method: "GET" as const, url: "/api/threads?cursor=abc" },
    { method: "PATCH" as const, url: "/api/threads/ada-1", payload: { name: "" } },
    { method: "PATCH" as const, url: "/api/threads/ada-1", payload: { title: "x" } },
  ];
  for (const request of cases) {
    const response = await server.inject({ ...request, headers: as("ada") });
    assert.equal(response.statusCode, 400, `${request.method} ${request.url}`);
  }
  assert.equal((await layer.getThread("ada-1"))?.name, "Trip to Oslo");
});
