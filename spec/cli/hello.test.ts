// `chatwire hello`, `chatwire --version` and `chatwire run --help` on the built package (bin/chatwire.js, dist/):
// lib/cli/main.ts, lib/cli/usage.ts, lib/cli/hello-app.ts.
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import { connectClient } from "chatwire/testing";
import { eventually } from "../support/gateway.ts";

const bin = resolve("bin/chatwire.js");
const run = promisify(execFile);

test("chatwire --version prints the package's version", async () => {
  const { version } = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
  for (const flag of ["--version", "-v"]) {
    const { stdout } = await run(process.execPath, [bin, flag]);
    assert.equal(stdout, `${version}\n`);
  }
});

test("chatwire run --help lists every option of run with its environment variable, on stdout with exit code 0", async () => {
  const { stdout } = await run(process.execPath, [bin, "run", "--help"]);
  for (const option of ["-w, --watch", "--port <n>", "--host <h>", "--env-file <path>", "-h, --help"]) {
    assert.ok(stdout.includes(option), option);
  }
  assert.match(stdout, /--port <n> .*env PORT/);
  assert.match(stdout, /--host <h> .*env HOST/);
  for (const name of [
    "DATABASE_URL",
    "CHATWIRE_CLUSTER",
    "CHATWIRE_AUTH_SECRET",
    "CHATWIRE_FILE_SECRET",
    "CHATWIRE_CACHE_DIR",
    "LOG_LEVEL",
    "NODE_ENV",
  ]) {
    assert.match(stdout, new RegExp(`^  ${name} `, "m"), name);
  }
  // Both places the TypeScript cache can default to (lib/cli/typescript.ts cacheDirFor).
  assert.match(stdout, /CHATWIRE_CACHE_DIR .*\.cache\/chatwire[\s\S]*OS temp dir/);
  // Without a command, the short usage on stderr and exit code 2.
  const wrong = await run(process.execPath, [bin, "serve"]).catch((error: { code: number; stderr: string }) => error);
  assert.equal("code" in wrong ? wrong.code : 0, 2);
  assert.match("stderr" in wrong ? wrong.stderr : "", /chatwire hello/);
});

test("chatwire hello serves its demo app on the embedded SQLite default, prints the URL, and the page and the chat answer there", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-hello-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, [bin, "hello", "--port", "0"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => child.kill("SIGKILL"));
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (output += String(chunk)));
  const url = /open (http:\/\/127\.0\.0\.1:\d+\/)/;
  await eventually(() => url.test(output) || child.exitCode !== null, 20_000);
  const page = url.exec(output)?.[1];
  assert.ok(page, output);

  const html = await fetch(page);
  assert.equal(html.status, 200);
  assert.match(html.headers.get("content-type") ?? "", /text\/html/);
  const client = await connectClient(`${page.replace("http", "ws")}ws`);
  t.after(() => client.close());
  assert.match((await client.until("message_new", 5000)).message.content, /^Hello from chatwire!/);
  client.send({ type: "user_message", id: "m1", content: "hi there" });
  assert.equal((await client.until("stream_end", 5000)).content, "You said: hi there");
  assert.equal(existsSync(join(dir, ".chatwire", "chatwire.db")), true);
});
