// Logout revocation: kept in the data layer, it holds on every node sharing the database and after a restart;
// without a data layer it holds in the process that served the logout only.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createApp, createSqliteLayer } from "chatwire";
import { createTokenIssuer } from "../../lib/auth/tokens.ts";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { startGateway } from "../support/gateway.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";

const secret = "a-test-secret-that-is-long-enough-0123456789";
const ada = { identifier: "ada" };

let postgres: TestPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

test("a logout on one node refuses the token on another node sharing PostgreSQL", async (t) => {
  // Two pools on one database: what two gateway processes hold.
  const layerA = createPostgresLayer({ connectionString: postgres.url });
  const layerB = createPostgresLayer({ connectionString: postgres.url });
  t.after(() => Promise.all([layerA.close(), layerB.close()]));
  await Promise.all([layerA.migrate(), layerB.migrate()]);
  const nodeA = createTokenIssuer({ secret, ttlSeconds: 3600, revocations: layerA });
  const nodeB = createTokenIssuer({ secret, ttlSeconds: 3600, revocations: layerB });
  const token = await nodeA.issue(ada);
  const other = await nodeA.issue(ada);
  assert.equal((await nodeB.verify(token))?.identifier, "ada");
  await nodeA.revoke(token);
  assert.equal(await nodeB.verify(token), undefined, "node B refuses what node A logged out");
  assert.equal(await nodeA.verify(token), undefined);
  assert.equal((await nodeB.verify(other))?.identifier, "ada", "only that token");
});

test("a logout survives a restart with SQLite", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-revoke-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "chatwire.db");
  const before = createSqliteLayer({ path });
  await before.migrate();
  const first = createTokenIssuer({ secret, ttlSeconds: 3600, revocations: before });
  const token = await first.issue(ada);
  await first.revoke(token);
  await before.close();

  const restarted = createSqliteLayer({ path });
  t.after(() => restarted.close());
  await restarted.migrate();
  const second = createTokenIssuer({ secret, ttlSeconds: 3600, revocations: restarted });
  assert.equal(await second.verify(token), undefined);
});

test("without a data layer a logout holds only in the process that served it", async () => {
  const first = createTokenIssuer({ secret, ttlSeconds: 3600 });
  const elsewhere = createTokenIssuer({ secret, ttlSeconds: 3600 });
  const token = await first.issue(ada);
  await first.revoke(token);
  assert.equal(await first.verify(token), undefined);
  assert.equal((await elsewhere.verify(token))?.identifier, "ada", "documented in docs/security.md");
});

test("through two gateways sharing SQLite: POST /auth/logout on one makes GET /auth/me 401 on the other", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-revoke-gw-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const app = () => {
    const chat = createApp();
    chat.passwordAuth(({ username, password }) => (password === "pw" ? { identifier: username } : undefined));
    return chat.seal();
  };
  const data = { sqlite: join(dir, "chatwire.db") };
  const nodeA = await startGateway(t, { hooks: app(), data, auth: { secret } });
  const nodeB = await startGateway(t, { hooks: app(), data, auth: { secret } });
  const login = await nodeA.inject({
    method: "POST",
    url: "/auth/login",
    payload: { username: "ada", password: "pw" },
  });
  const headers = { authorization: `Bearer ${(login.json() as { token: string }).token}` };
  assert.equal((await nodeB.inject({ method: "GET", url: "/auth/me", headers })).statusCode, 200);
  await nodeA.inject({ method: "POST", url: "/auth/logout", headers });
  assert.equal((await nodeB.inject({ method: "GET", url: "/auth/me", headers })).statusCode, 401);
});
