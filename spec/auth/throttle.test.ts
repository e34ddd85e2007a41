// Login throttling over real HTTP against a real server: per username and per client address, 429 with
// Retry-After, the same path for a wrong username as for a wrong password, and a correct login after the window.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import type { FastifyInstance } from "fastify";
import { addressGroup } from "../../lib/auth/throttle.ts";
import { createSqliteLayer } from "../../lib/data/sqlite.ts";
import type { GatewayOptions } from "../../lib/gateway/options.ts";
import { createApp } from "../../lib/hooks/registrars.ts";
import { pause, startGateway } from "../support/gateway.ts";

const secret = "a-test-secret-that-is-long-enough-0123456789";

/** passwordAuth knowing ada (password `ada-pw`); `checked` lists the username of every call of the hook. */
function loginApp() {
  const chat = createApp();
  const checked: string[] = [];
  chat.passwordAuth(({ username, password }) => {
    checked.push(username);
    return username === "ada" && password === "ada-pw" ? { identifier: "ada" } : undefined;
  });
  return { hooks: chat.seal(), checked };
}

/** A gateway persisting to a SQLite file in a temp folder (removed after the test). */
async function sqliteServer(t: TestContext, options: Omit<GatewayOptions, "data" | "auth">) {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-throttle-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  await layer.migrate();
  t.after(async () => {
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return startGateway(t, { ...options, data: layer, auth: { secret } });
}

/** POST /auth/login over HTTP; the status, the Retry-After header and the body's code. */
async function login(server: FastifyInstance, username: string, password: string) {
  const address = server.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const reply = await fetch(`http://127.0.0.1:${port}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
    signal: AbortSignal.timeout(5000),
  });
  const body = (await reply.json()) as { code?: string };
  return { status: reply.status, retryAfter: reply.headers.get("retry-after"), code: body.code };
}

test("a username is locked out after its free attempts: 429 with Retry-After, the password is not checked", async (t) => {
  const { hooks, checked } = loginApp();
  const server = await sqliteServer(t, { hooks, loginThrottle: { attemptsPerUser: 3, firstLockMs: 2000 } });
  for (let i = 0; i < 3; i++) assert.equal((await login(server, "ada", "guess")).status, 401);
  const locked = await login(server, "ada", "ada-pw");
  assert.equal(locked.status, 429, "even the right password waits for the window");
  assert.equal(locked.code, "LOGIN_THROTTLED");
  assert.ok(["1", "2"].includes(locked.retryAfter ?? ""), `Retry-After: ${locked.retryAfter}`);
  assert.equal(checked.length, 3, "a locked attempt never reaches the password hook");
  assert.equal((await login(server, "bob", "guess")).status, 401, "another username is not locked");

  // After the window the right password works, and resets ada's counter: three free attempts again.
  await pause(Number(locked.retryAfter) * 1000 + 50);
  assert.equal((await login(server, "ada", "ada-pw")).status, 200);
  for (let i = 0; i < 3; i++) assert.equal((await login(server, "ada", "guess")).status, 401);
  assert.equal((await login(server, "ada", "guess")).status, 429);
});

test("each attempt past the free ones doubles the lock-out", async (t) => {
  const { hooks } = loginApp();
  const server = await sqliteServer(t, { hooks, loginThrottle: { attemptsPerUser: 1, firstLockMs: 2000 } });
  assert.equal((await login(server, "ada", "guess")).status, 401);
  const first = Number((await login(server, "ada", "guess")).retryAfter);
  assert.ok(first >= 1 && first <= 2, `first lock-out: ${first} s`);
  await pause(first * 1000 + 50);
  assert.equal((await login(server, "ada", "guess")).status, 401);
  const second = Number((await login(server, "ada", "guess")).retryAfter);
  assert.ok(second >= 3 && second <= 4, `second lock-out: ${second} s, twice the first`);
});

test("a wrong username and a wrong password take the same path: hook called, same answers, same lock-out", async (t) => {
  const { hooks, checked } = loginApp();
  const server = await sqliteServer(t, { hooks, loginThrottle: { attemptsPerUser: 3, firstLockMs: 60_000 } });
  const answers = async (username: string) => {
    const seen = [];
    for (let i = 0; i < 4; i++) seen.push(await login(server, username, "guess"));
    return seen.map(({ status, code }) => `${status} ${code}`);
  };
  const known = await answers("ada");
  const unknown = await answers("nobody");
  assert.deepEqual(known, unknown);
  assert.deepEqual(known, ["401 UNAUTHENTICATED", "401 UNAUTHENTICATED", "401 UNAUTHENTICATED", "429 LOGIN_THROTTLED"]);
  assert.deepEqual(checked, ["ada", "ada", "ada", "nobody", "nobody", "nobody"], "the hook runs for unknown users too");
});

test("usernames differing in case share a counter", async (t) => {
  const { hooks } = loginApp();
  const server = await sqliteServer(t, { hooks, loginThrottle: { attemptsPerUser: 2, firstLockMs: 60_000 } });
  assert.equal((await login(server, "ada", "guess")).status, 401);
  assert.equal((await login(server, "ADA", "guess")).status, 401);
  assert.equal((await login(server, "Ada", "guess")).status, 429);
});

test("one client address guessing many usernames is locked out too; correct logins do not count", async (t) => {
  const { hooks } = loginApp();
  const server = await sqliteServer(t, {
    hooks,
    loginThrottle: { attemptsPerUser: 100, attemptsPerAddress: 4, firstLockMs: 60_000 },
  });
  for (let i = 0; i < 5; i++) assert.equal((await login(server, "ada", "ada-pw")).status, 200);
  for (let i = 0; i < 4; i++) assert.equal((await login(server, `user${i}`, "guess")).status, 401);
  const locked = await login(server, "someone-else", "guess");
  assert.equal(locked.status, 429);
  assert.equal(locked.code, "LOGIN_THROTTLED");
});

test("parallel guesses cannot slip past the count: the hook sees the free attempts only", async (t) => {
  const { hooks, checked } = loginApp();
  const server = await sqliteServer(t, { hooks, loginThrottle: { attemptsPerUser: 3, firstLockMs: 60_000 } });
  const statuses = (await Promise.all(Array.from({ length: 20 }, () => login(server, "ada", "guess")))).map(
    (answer) => answer.status,
  );
  assert.equal(checked.length, 3);
  assert.equal(statuses.filter((status) => status === 401).length, 3);
  assert.equal(statuses.filter((status) => status === 429).length, 17);
});

test("throttling is on by default (5 attempts, memory without a data layer) and off with loginThrottle: false", async (t) => {
  const { hooks } = loginApp();
  const defaults = await startGateway(t, { hooks, auth: { secret } });
  const statuses = [];
  for (let i = 0; i < 6; i++) statuses.push((await login(defaults, "ada", "guess")).status);
  assert.deepEqual(statuses, [401, 401, 401, 401, 401, 429]);

  const off = await startGateway(t, { hooks: loginApp().hooks, auth: { secret }, loginThrottle: false });
  for (let i = 0; i < 10; i++) assert.equal((await login(off, "ada", "guess")).status, 401);
});

test("a throttle option that is not a positive integer refuses to start with INVALID_OPTION", async (t) => {
  await assert.rejects(
    startGateway(t, { hooks: loginApp().hooks, auth: { secret }, loginThrottle: { maxLockMs: -1 } }),
    (error: { code?: string }) => error.code === "INVALID_OPTION",
  );
});

test("addresses are counted by IPv4 address, IPv4-mapped too, and by the /64 of an IPv6 address", () => {
  assert.equal(addressGroup("203.0.113.7"), "203.0.113.7");
  assert.equal(addressGroup("::ffff:203.0.113.7"), "203.0.113.7");
  assert.equal(addressGroup("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  assert.equal(addressGroup("2001:0DB8:0001:0002:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
  assert.equal(addressGroup("2001:db8::1"), "2001:db8:0:0::/64");
  assert.equal(addressGroup("::1"), "0:0:0:0::/64");
  assert.equal(addressGroup("fe80::1%eth0"), "fe80:0:0:0::/64");
});
