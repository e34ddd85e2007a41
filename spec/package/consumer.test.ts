// The package as a user gets it: `npm pack`, a project made by the packed `chatwire init`, the tarball installed
// with npm (spec/package/project.ts), then what a user does with it: serve apps with `npx chatwire run`, log in,
// embed the plugin in their own Fastify app, run its tests. Everything runs from the installed copy in the project's
// node_modules, never from this checkout. CHATWIRE_PACK_FROM=<checkout> runs it against another build. The user's
// type check of the package is spec/package/types.test.ts.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, type TestContext, test } from "node:test";
import { connectClient } from "chatwire/testing";
import ts from "typescript";
import { eventually } from "../support/gateway.ts";
import { type Consumer, consumerEnv, makeConsumer, run, source } from "./project.ts";

const fixtures = new URL("./consumer/", import.meta.url);
const secret = "a consumer test secret of at least 32 bytes";

interface Manifest {
  readonly dependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly exports?: Record<string, string | { readonly types?: string; readonly default?: string }>;
}

/** Every file under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((path) => statSync(join(dir, path)).isFile());
}

/** The package a bare specifier names: "typebox/compile" → "typebox", "@fastify/cookie" → "@fastify/cookie". */
const packageOf = (specifier: string) =>
  specifier
    .split("/")
    .slice(0, specifier.startsWith("@") ? 2 : 1)
    .join("/");

/** The packages a module imports (statically, with import() or require()), as TypeScript reads its imports. */
function bareImports(code: string): string[] {
  const { importedFiles } = ts.preProcessFile(code, true, true);
  return importedFiles
    .map((file) => file.fileName)
    .filter((specifier) => !/^(\.|\/|node:)/.test(specifier))
    .map(packageOf);
}

/** A server process of the consumer's, killed (with its process group: npm and npx start children) after the test. */
async function startServer(
  t: TestContext,
  cwd: string,
  command: string,
  args: readonly string[],
  env: Record<string, string> = {},
): Promise<{ child: ChildProcess; base: string; output(): string }> {
  const child = spawn(command, args, {
    cwd,
    detached: true,
    env: consumerEnv({ PORT: "0", HOST: "127.0.0.1", LOG_LEVEL: "info", ...env }),
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.after(() => {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
  });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (output += String(chunk)));
  const listening = /listening at (http:\/\/127\.0\.0\.1:\d+)/;
  await eventually(() => listening.test(output) || child.exitCode !== null, 30_000).catch(() => {});
  const base = listening.exec(output)?.[1];
  if (base === undefined) throw new Error(`${command} ${args.join(" ")} did not start:\n${output}`);
  return { child, base, output: () => output };
}

/** Sends `content` over a new socket and waits for a message saying `expected` (failing with what came instead). */
async function chat(base: string, content: string, expected: string, headers?: Record<string, string>) {
  const client = await connectClient(`${base.replace(/^http/, "ws")}/ws`, { headers });
  const seen: string[] = [];
  try {
    client.send({ type: "user_message", id: "m1", content });
    while (seen.at(-1) !== expected) seen.push((await client.until("message_new", 10_000)).message.content);
  } catch (error) {
    assert.fail(`no message "${expected}" (got ${JSON.stringify(seen)}): ${error}`);
  } finally {
    await client.close();
  }
}

/** Whether an installed package carries its own declarations (else its types come from @types/<name>). */
function hasOwnTypes(consumer: Consumer, name: string): boolean {
  const dir = join(consumer.project, "node_modules", name);
  const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, unknown>;
  return (
    "types" in manifest ||
    "typings" in manifest ||
    "typesVersions" in manifest ||
    hasTypesCondition(manifest.exports) ||
    existsSync(join(dir, "index.d.ts"))
  );
}

/** Whether an `exports` map names declarations anywhere (`"types": "./dist/index.d.ts"` under any subpath). */
function hasTypesCondition(exportsMap: unknown): boolean {
  if (typeof exportsMap !== "object" || exportsMap === null) return false;
  return Object.entries(exportsMap).some(([key, value]) => key === "types" || hasTypesCondition(value));
}

/** Copies a fixture of spec/package/consumer/ into the project (or a folder of it). */
function place(consumer: Consumer, fixture: string, folder = ""): string {
  const dir = join(consumer.project, folder);
  mkdirSync(dir, { recursive: true });
  copyFileSync(new URL(fixture, fixtures), join(dir, fixture));
  return dir;
}

describe("chatwire as a user installs it: npm pack, chatwire init, npm install", () => {
  let consumer: Consumer;

  before(async () => {
    consumer = await makeConsumer();
  });
  after(() => consumer?.remove());

  test("the tarball has one module and one declaration per lib module, the built page and the scaffold; no dependency is bundled", (t) => {
    t.diagnostic(`seconds: ${JSON.stringify(consumer.timings)}`);
    const manifest = JSON.parse(readFileSync(join(consumer.installed, "package.json"), "utf8")) as Manifest;
    const dependencies = Object.keys(manifest.dependencies ?? {});
    // A peer (react for chatwire/react, ai for chatwire/ai-sdk) is the user's own install, types included.
    const peers = Object.keys(manifest.peerDependencies ?? {});
    const shipped = ["bin/chatwire.js", "playground/dist/index.html", "playground/dist/app.js", "scaffold/app.ts"];
    const exportsMap = Object.entries(manifest.exports ?? {}).flatMap(([entry, target]) =>
      typeof target === "string" ? [] : [[entry, target.types, target.default] as const],
    );
    const dist = existsSync(join(consumer.installed, "dist")) ? filesUnder(join(consumer.installed, "dist")) : [];
    const lib = join(source, "lib");
    const modules = existsSync(lib) ? filesUnder(lib).filter((file) => file.endsWith(".ts")) : [];
    const imported = new Set<string>();
    const declared = new Set<string>();
    for (const file of dist) {
      const code = readFileSync(join(consumer.installed, "dist", file), "utf8");
      for (const name of bareImports(code)) (file.endsWith(".d.ts") ? declared : imported).add(name);
    }
    // Every finding at once, so that a broken build shows all that is wrong with it.
    assert.deepEqual(
      {
        notInTarball: shipped.filter((file) => !consumer.packed.includes(file)),
        exportsNotIntoDist: exportsMap.filter(
          ([, types, main]) =>
            !/^\.\/dist\/.*\.d\.ts$/.test(types ?? "") ||
            !/^\.\/dist\/.*\.js$/.test(main ?? "") ||
            ![types, main].every((file) => existsSync(join(consumer.installed, file ?? ""))),
        ),
        libModulesNotBuilt: modules.flatMap((file) =>
          [".js", ".d.ts"].map((ending) => file.replace(/\.ts$/, ending)).filter((built) => !dist.includes(built)),
        ).length,
        // An optional peer (react, socket.io) is declared too: the module that imports it loads only when it is used.
        importsOfUndeclaredPackages: [...imported].filter(
          (name) => !dependencies.includes(name) && manifest.peerDependencies?.[name] === undefined,
        ),
        // A dependency that no module imports is bundled in (a second copy) or not needed at run time.
        dependenciesNotImported: dependencies.filter((name) => !name.startsWith("@types/") && !imported.has(name)),
        declaredTypesNotDependencies: [...declared].filter(
          (name) =>
            !peers.includes(name) &&
            (!dependencies.includes(name) ||
              (!hasOwnTypes(consumer, name) && !dependencies.includes(`@types/${name}`))),
        ),
      },
      {
        notInTarball: [],
        exportsNotIntoDist: [],
        libModulesNotBuilt: 0,
        importsOfUndeclaredPackages: [],
        dependenciesNotImported: [],
        declaredTypesNotDependencies: [],
      },
    );
  });

  test("a plain JavaScript test with chatwire/testing's fake context passes under node --test", async () => {
    place(consumer, "handlers.test.js");
    const ran = await run(process.execPath, ["--test", "handlers.test.js"], { cwd: consumer.project });
    assert.equal(ran.code, 0, ran.output);
    assert.match(ran.output, /^(?:#|ℹ) pass 1$/m); // TAP (Node 20, 22) or the spec reporter (24+)
  });

  test("npx chatwire run serves a TypeScript passwordAuth app: the login cookie opens the socket, an unrelated cookie gets 401", async (t) => {
    const dir = place(consumer, "login.ts", "login");
    const server = await startServer(t, dir, "npx", ["chatwire", "run", "login.ts"], { CHATWIRE_AUTH_SECRET: secret });
    const login = (password: string) =>
      fetch(`${server.base}/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ username: "ada", password }),
      });
    assert.equal((await login("wrong")).status, 401, server.output());
    const loggedIn = await login("lovelace");
    assert.equal(loggedIn.status, 200, server.output());
    const cookie = loggedIn.headers.get("set-cookie")?.split(";")[0] ?? "";
    assert.match(cookie, /^chatwire_token=./);

    const me = await fetch(`${server.base}/auth/me`, { headers: { cookie: `theme=dark; ${cookie}` } });
    assert.equal(me.status, 200, server.output());
    assert.deepEqual(((await me.json()) as { user: unknown }).user, { identifier: "ada", displayName: "Ada" });
    await chat(server.base, "hi", "ada said hi", { cookie });

    const stranger = await fetch(`${server.base}/auth/me`, { headers: { cookie: "theme=dark" } });
    assert.equal(stranger.status, 401, server.output());
    const refused = await connectClient(`${server.base.replace(/^http/, "ws")}/ws`, {
      headers: { cookie: "theme=dark" },
      hello: false,
    });
    assert.equal(await refused.closed, 4401);
  });

  test("npx chatwire run serves a JavaScript app (.mjs); without the chart libraries (optional peers) their route is 404", async (t) => {
    const dir = place(consumer, "echo.mjs", "js");
    const server = await startServer(t, dir, "npx", ["chatwire", "run", "echo.mjs"]);
    await chat(server.base, "hi", "js: hi");
    const chart = await fetch(`${server.base}/charts/plotly.min.js`);
    assert.equal(chart.status, 404, server.output());
    assert.equal(await chart.text(), "install plotly.js-dist-min to draw these charts");
  });

  test("an existing Fastify app registers the plugin: one fastify module in the process, pino transports log", async () => {
    place(consumer, "embed.mjs");
    const logs = ["app.log", "server.log"].map((name) => join(consumer.project, name));
    const ran = await run(process.execPath, ["embed.mjs", ...logs], { cwd: consumer.project, timeoutMs: 60_000 });
    assert.equal(ran.code, 0, ran.output);
    const findings = JSON.parse(ran.output.trim().split("\n").at(-1) ?? "{}") as Record<string, unknown>;
    const logged = (log: string) => existsSync(log) && /Server listening at/.test(readFileSync(log, "utf8"));
    assert.deepEqual(
      {
        ...findings,
        fastifyModules: (findings.fastifyModules as unknown[] | undefined)?.length,
        logged: logs.map(logged),
      },
      {
        pluginChat: "embedded: hi",
        undefinedOptions: "embedded: hi",
        createServerIsTheAppsFastify: true,
        createServerWithTransport: "listened",
        fastifyModules: 1,
        logged: [true, true],
      },
      ran.output,
    );
  });

  test("the project chatwire init made: npm test passes, npm start serves the page, signs in and chats", async (t) => {
    assert.equal(consumer.init.code, 0, consumer.init.output);
    assert.match(consumer.init.output, /npm install/);
    for (const file of ["app.ts", "app.test.ts", "tsconfig.json", ".gitignore", ".env"]) {
      assert.ok(existsSync(join(consumer.project, file)), `init wrote no ${file}`);
    }
    const tested = await run("npm", ["test"], { cwd: consumer.project });
    assert.equal(tested.code, 0, tested.output);
    assert.match(tested.output, /^(?:#|ℹ) pass 2$/m);

    const server = await startServer(t, consumer.project, "npm", ["start"]);
    const page = await fetch(`${server.base}/`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /<html/i);
    const password = /^CHAT_PASSWORD=(.+)$/m.exec(readFileSync(join(consumer.project, ".env"), "utf8"))?.[1];
    assert.ok(password !== undefined && password.length >= 12);
    assert.ok(consumer.init.output.includes(password), "init tells the password");
    const login = await fetch(`${server.base}/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "ada", password }),
    });
    assert.equal(login.status, 200, server.output());
    const cookie = login.headers.get("set-cookie")?.split(";")[0] ?? "";
    await chat(server.base, "hi", "echo #1: hi", { cookie });
    const anonymous = await connectClient(`${server.base.replace(/^http/, "ws")}/ws`, { hello: false });
    assert.equal(await anonymous.closed, 4401, "without signing in, no chat");
  });
});
