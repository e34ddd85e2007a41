// Login throttling against a real server on SQLite over HTTP: (1) the attack run of issue 12, 300 wrong passwords
// for one user from one client, as fast as answers come; (2) how long a wrong username and a wrong password take,
// interleaved, with the throttle on but its limits out of reach, and a hook that hashes against a dummy for unknown
// users (docs/auth.md). Run: node --import tsx bench/login-throttle.ts [samples per kind, default 300]
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import Fastify from "fastify";
import type { LoginThrottleOptions } from "../lib/auth/throttle.ts";
import { createSqliteLayer } from "../lib/data/sqlite.ts";
import { chatwire } from "../lib/gateway/plugin.ts";
import { createApp } from "../lib/hooks/registrars.ts";

const samples = Number(process.argv[2] ?? 300);
const hash = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;
const salt = randomBytes(16);
const accounts = new Map([["ada", { salt, hash: await hash("correct horse", salt, 32) }]]);
const dummy = { salt: randomBytes(16), hash: randomBytes(32) };

/** A server with that hook and `loginThrottle`; its port and a way to stop it. */
async function start(loginThrottle: LoginThrottleOptions) {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-login-bench-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
  await layer.migrate();
  const chat = createApp();
  chat.passwordAuth(async ({ username, password }) => {
    const account = accounts.get(username);
    const stored = account ?? dummy;
    const same = timingSafeEqual(await hash(password, stored.salt, 32), stored.hash);
    return account !== undefined && same ? { identifier: username } : undefined;
  });
  const server = Fastify({ logger: false });
  await server.register(chatwire, {
    hooks: chat.seal(),
    data: layer,
    auth: { secret: "a-bench-secret-that-is-long-enough-0123456789" },
    loginThrottle,
  });
  await server.listen({ host: "127.0.0.1", port: 0 });
  const address = server.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const stop = async () => {
    await server.close();
    await layer.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { port, stop };
}

const login = async (port: number, username: string, password: string) => {
  const started = performance.now();
  const reply = await fetch(`http://127.0.0.1:${port}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  await reply.arrayBuffer();
  return { status: reply.status, ms: performance.now() - started, retryAfter: reply.headers.get("retry-after") };
};

// (1) The attack run, with the defaults.
const attacked = await start({});
const statuses = new Map<number, number>();
let lastRetryAfter = "";
const attackStarted = performance.now();
for (let i = 0; i < 300; i++) {
  const answer = await login(attacked.port, "ada", `guess-${i}`);
  statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
  lastRetryAfter = answer.retryAfter ?? lastRetryAfter;
}
const attackSeconds = (performance.now() - attackStarted) / 1000;
await attacked.stop();
console.log(`300 wrong passwords for one user from one client in ${attackSeconds.toFixed(1)} s:`);
console.table(Object.fromEntries([...statuses].map(([status, count]) => [status, { answers: count }])));
console.log(`last Retry-After: ${lastRetryAfter} s`);

// (2) Wrong username against wrong password, interleaved so that drift hits both alike.
const timed = await start({ attemptsPerUser: 1_000_000, attemptsPerAddress: 1_000_000 });
const times = { "wrong password (ada)": [] as number[], "wrong username": [] as number[] };
for (let i = 0; i < 20; i++) await login(timed.port, "ada", "warm-up");
for (let i = 0; i < samples; i++) {
  times["wrong password (ada)"].push((await login(timed.port, "ada", `guess-${i}`)).ms);
  times["wrong username"].push((await login(timed.port, `nobody-${i}`, `guess-${i}`)).ms);
}
await timed.stop();
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => (sorted[Math.floor(q * (sorted.length - 1))] ?? Number.NaN).toFixed(2);
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return { p10: at(0.1), p50: at(0.5), p90: at(0.9), mean: mean.toFixed(2) };
};
console.log(`login time in ms, ${samples} of each (scrypt against a dummy hash for unknown users):`);
console.table(Object.fromEntries(Object.entries(times).map(([kind, values]) => [kind, summary(values)])));
