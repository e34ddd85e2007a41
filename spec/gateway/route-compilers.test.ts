// chatwire's routes build their validators and serialisers at first request (lib/gateway/route-compilers.ts): a
// request then gets what Fastify's own default compilers give, to the byte, and nothing is compiled before it.
import assert from "node:assert/strict";
import { test } from "node:test";
import Fastify, { type FastifyInstance } from "fastify";
import { serializerAtFirstRequest, validatorAtFirstRequest } from "../../lib/gateway/route-compilers.ts";
import { shippedSchemas } from "../../lib/protocol/schemas.generated.ts";

const { ListThreadsQuery, LoginBody, LoginReply, SecretHeaders, ThreadList, ThreadParams } = shippedSchemas.routes;

/** The same routes and schemas, with Fastify's compilers or (lazy) with chatwire's. */
async function server(lazy: boolean): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ajv: { customOptions: { validateSchema: false } } });
  await app.register(async (scope) => {
    if (lazy) {
      scope.setValidatorCompiler(validatorAtFirstRequest);
      scope.setSerializerCompiler(serializerAtFirstRequest);
    }
    scope.get(
      "/threads",
      { schema: { querystring: ListThreadsQuery, response: { 200: ThreadList } } },
      // The coerced query comes back as data, with a field the answer's schema leaves out.
      async (request) => ({ threads: [{ id: JSON.stringify(request.query), createdAt: "t", tags: [], extra: 1 }] }),
    );
    scope.get("/threads/:id", { schema: { params: ThreadParams, headers: SecretHeaders } }, async () => ({}));
    scope.post("/login", { schema: { body: LoginBody, response: { 200: LoginReply } } }, async (request) => ({
      user: { identifier: (request.body as { username: string }).username, x: 1 },
      token: "t",
    }));
  });
  await app.ready();
  return app;
}

const requests = [
  { method: "GET", url: "/threads?limit=5&search=a" },
  { method: "GET", url: "/threads?limit=1000" },
  { method: "GET", url: "/threads?cursor=x" },
  { method: "GET", url: "/threads/abc" },
  { method: "GET", url: `/threads/${"x".repeat(65)}` },
  { method: "GET", url: "/threads/abc", headers: { "x-chatwire-thread-secret": "s".repeat(257) } },
  { method: "POST", url: "/login", payload: { username: "ada", password: "pw", more: 1 } },
  { method: "POST", url: "/login", payload: { username: "", password: "pw" } },
  { method: "POST", url: "/login", payload: { username: "ada" } },
  { method: "POST", url: "/login", payload: [] },
] as const;

test("a route answers with chatwire's compilers exactly as with Fastify's, 400s included", async () => {
  const [plain, lazy] = [await server(false), await server(true)];
  try {
    let refused = 0;
    for (const request of requests) {
      const [want, got] = [await plain.inject(request), await lazy.inject(request)];
      assert.equal(got.statusCode, want.statusCode, `${request.method} ${request.url}`);
      assert.equal(got.body, want.body, `${request.method} ${request.url}`);
      if (want.statusCode === 400) refused++;
    }
    assert.ok(refused >= 5, "most requests were refused, so the comparison covers the errors");
  } finally {
    await Promise.all([plain.close(), lazy.close()]);
  }
});

test("nothing is compiled before a route's first request", async () => {
  // A schema ajv cannot compile (a reference to nowhere): Fastify's compilers fail at ready, chatwire's at the route's
  // first request, with a 500 that names the schema, while the server's other routes answer.
  const broken = { type: "object", properties: { id: { $ref: "#/nowhere" } } };
  const build = async (lazy: boolean) => {
    const app = Fastify({ logger: false });
    await app.register(async (scope) => {
      if (lazy) scope.setValidatorCompiler(validatorAtFirstRequest);
      scope.get("/broken/:id", { schema: { params: broken } }, async () => "never");
      scope.get("/fine", async () => "fine");
    });
    return app;
  };
  const eager = await build(false);
  await assert.rejects(async () => {
    await eager.ready();
  }, /nowhere|reference/);
  const lazy = await build(true);
  try {
    await lazy.ready();
    assert.equal((await lazy.inject({ method: "GET", url: "/fine" })).body, "fine");
    const answer = await lazy.inject({ method: "GET", url: "/broken/1" });
    assert.equal(answer.statusCode, 500);
    assert.match(answer.body, /nowhere|reference/);
  } finally {
    await lazy.close();
  }
});

test("a headers schema with an uppercase name fails at ready, as Fastify would otherwise never match it", async () => {
  const app = Fastify({ logger: false });
  await app.register(async (scope) => {
    scope.setValidatorCompiler(validatorAtFirstRequest);
    scope.get(
      "/h",
      { schema: { headers: { type: "object", properties: { "X-Secret": { type: "string" } } } } },
      () => "",
    );
  });
  await assert.rejects(async () => {
    await app.ready();
  }, /header "X-Secret" must be lowercase/);
});
