// Login throttling shared between processes: two gateway processes on one SQLite file, and two nodes sharing
// PostgreSQL. Guesses on one count on the other; after the window a correct login works on either.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, type TestContext, test } from "node:test";
import { eventually, pause } from "../support/gateway.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { typescriptLoader } from "../support/process.ts";

const CHATWIRE_AUTH_SECRET = "a-test-secret-that-is-long-enough-0123456789";

let postgres: TestPostgres;
before(async () => {
  postgres = await startPostgres();
});
after(() => postgres?.stop());

/** POST /auth/login over HTTP to a node; its status and Retry-After. */
async function login(port: number, username: string, password: string) {
  const reply = await fetch(`http://127.0.0.1:${port}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
    signal: AbortSignal.timeout(5000),
  });
  await reply.arrayBuffer();
  return { status: reply.status, retryAfter: Number(reply.headers.get("retry-after")) };
}

/** One node: spec/fixtures/login-server.ts in a process of its own, on an ephemeral port; killed after the test. */
async function startNode(t: TestContext, env: Record<string, string>, cwd: string | undefined): Promise<number> {
  const child = spawn(process.execPath, [...typescriptLoader, join(process.cwd(), "spec/fixtures/login-server.ts")], {
    cwd: cwd ?? process.cwd(),
    env: { ...process.env, PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", CHATWIRE_AUTH_SECRET, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    child.kill("SIGKILL");
  });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (output += String(chunk)));
  const listening = /listening at http:\/\/127\.0\.0\.1:(\d+)/;
  await eventually(() => listening.test(output) || child.exitCode !== null, 30_000);
  const port = Number(listening.exec(output)?.[1]);
  if (!port) throw new Error(`the node did not start:\n${output}`);
  return port;
}

/** Two nodes of the login server (defaults: 5 attempts per username, then 1 s, doubling). */
const twoNodes = (t: TestContext, env: Record<string, string>, cwd?: string) =>
  Promise.all([startNode(t, env, cwd), startNode(t, env, cwd)]);

/** Guesses ada's password five times on A (the defaults' free attempts): B then refuses her, right password or not. */
async function lockedOnBoth(a: number, b: number) {
  for (let i = 0; i < 5; i++) assert.equal((await login(a, "ada", "guess")).status, 401);
  const onB = await login(b, "ada", "ada-pw");
  assert.equal(onB.status, 429, "the other process counts the same attempts");
  assert.ok(onB.retryAfter >= 1, "with Retry-After");
  assert.equal((await login(b, "bob", "bob-pw")).status, 200, "other users log in meanwhile");
  await pause(onB.retryAfter * 1000 + 100);
  assert.equal((await login(b, "ada", "ada-pw")).status, 200, "after the window, on the other node");
  // The correct login reset ada's counter for both.
  for (let i = 0; i < 5; i++) assert.equal((await login(a, "ada", "guess")).status, 401);
  assert.equal((await login(b, "ada", "guess")).status, 429);
}

test("two processes on one SQLite file share the login throttle", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "chatwire-throttle-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const [a, b] = await twoNodes(t, { DATABASE_URL: "" }, dir);
  await lockedOnBoth(a, b);
});

test("two nodes sharing PostgreSQL share the login throttle", async (t) => {
  const [a, b] = await twoNodes(t, { DATABASE_URL: postgres.url });
  await lockedOnBoth(a, b);
});
