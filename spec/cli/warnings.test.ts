// Nothing on stderr from a normal start, a conversation and a stop of `chatwire run`, on whichever Node.js runs the
// suite (CI: 20, 22, 24, 26): no deprecation (module.register is one from Node 26), no experimental-feature notice.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { once } from "node:events";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type TestContext, test } from "node:test";
import { connectClient } from "../../lib/testing/index.ts";
import { startPostgres } from "../support/postgres.ts";
import { startGatewayProcess } from "../support/process.ts";

/** A project with a TypeScript app (importing a sibling by its .js name) and chatwire linked into node_modules. */
function project(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-warnings-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, "node_modules"));
  symlinkSync(resolve("."), join(dir, "node_modules", "chatwire"), "dir");
  writeFileSync(join(dir, "reply.ts"), 'export const reply = (text: string): string => "you said " + text;\n');
  writeFileSync(
    join(dir, "app.ts"),
    `import { onMessage } from "chatwire";\nimport { reply } from "./reply.js";\n` +
      "onMessage(async (ctx, message) => { await ctx.send(reply(message.content)); });\n",
  );
  return dir;
}

/** Starts the app (its transpile cache cold), has one exchange, stops it; returns its stderr. */
async function stderrOfOneConversation(t: TestContext, env: Record<string, string> = {}): Promise<string> {
  const dir = project(t);
  const gateway = await startGatewayProcess(t, join(dir, "app.ts"), { cwd: dir, env });
  const client = await connectClient(`ws://127.0.0.1:${gateway.port}/ws`);
  client.send({ type: "user_message", id: "m", content: "hi" });
  assert.equal((await client.until("message_new", 5000)).message.content, "you said hi");
  const exited = once(gateway.child, "exit");
  gateway.child.kill("SIGTERM");
  assert.equal((await exited)[0], 0, gateway.output());
  return gateway.stderr();
}

test("chatwire run with a TypeScript app on SQLite prints nothing on stderr from start to stop", async (t) => {
  assert.equal(await stderrOfOneConversation(t), "");
});

test("chatwire run with a TypeScript app on PostgreSQL prints nothing on stderr from start to stop", async (t) => {
  const postgres = await startPostgres();
  t.after(() => postgres.stop());
  assert.equal(await stderrOfOneConversation(t, { DATABASE_URL: postgres.url }), "");
});

test("importing chatwire, chatwire/testing and chatwire/protocol prints nothing on stderr", (t) => {
  const dir = project(t);
  const code = 'await import("chatwire"); await import("chatwire/testing"); await import("chatwire/protocol");';
  const run = spawnSync(process.execPath, ["--input-type=module", "-e", code], {
    cwd: dir,
    encoding: "utf8",
    timeout: 20_000,
  });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, "");
});
