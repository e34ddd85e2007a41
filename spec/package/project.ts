// The consumer's project for spec/package/consumer.test.ts: chatwire packed with `npm pack`, a project made by the
// packed `chatwire init`, and the tarball installed into it with npm, as a new user would. Made once per test run.
import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** This checkout, or the one CHATWIRE_PACK_FROM names (to run the consumer test against another build). */
export const source = resolve(process.env.CHATWIRE_PACK_FROM ?? fileURLToPath(new URL("../../", import.meta.url)));

/** The environment for the consumer's commands: this process's, less node:test's marker (a `node --test` that
 * inherits it thinks it runs inside this test file and runs nothing). */
export function consumerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  return { ...env, ...extra };
}

/** What a finished command left. */
export interface Ran {
  readonly code: number | null;
  readonly output: string;
}

/** Runs `command` to its end (killed after `timeoutMs`), with stdout and stderr in one string. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Ran> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? consumerEnv(), stdio: "pipe" });
    let output = "";
    for (const stream of [child.stdout, child.stderr]) stream.on("data", (chunk) => (output += String(chunk)));
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

/** Like `run`, but a non-zero exit is an error carrying the output. */
async function mustRun(command: string, args: readonly string[], cwd: string): Promise<string> {
  const ran = await run(command, args, { cwd, timeoutMs: 300_000 });
  if (ran.code !== 0) throw new Error(`${command} ${args.join(" ")} exited ${ran.code}:\n${ran.output}`);
  return ran.output;
}

/** The consumer's project, and how it was made. */
export interface Consumer {
  /** The temporary directory holding everything (removed by `remove`). */
  readonly work: string;
  readonly tarball: string;
  /** The files `npm pack` put in the tarball. */
  readonly packed: readonly string[];
  /** The project directory: chatwire installed from the tarball, then `chatwire init`. */
  readonly project: string;
  /** chatwire as installed: project/node_modules/chatwire. */
  readonly installed: string;
  /** What `chatwire init` printed and its exit code. */
  readonly init: Ran;
  /** Seconds each step took, for the test's diagnostics. */
  readonly timings: Readonly<Record<string, number>>;
  remove(): void;
}

interface PackResult {
  readonly filename: string;
  readonly files: readonly { readonly path: string }[];
}

/** The tools a project made by `chatwire init` gets, for a build whose init does not work (to see what else fails). */
const fallbackTools = { "@types/node": "^20.19.43", tsx: "^4.23.15", typescript: "5.9" };

/**
 * Packs chatwire (the build already in dist/: `npm test` builds first) and follows README's "use it in your project"
 * in a new folder: installs the tarball, runs its `chatwire init`, installs what init added.
 * npm's cache serves the packages (`--prefer-offline`). Install scripts are skipped and better-sqlite3's compiled
 * addon is copied from this checkout, where the same version was built: compiling SQLite takes minutes, and its
 * prebuilt binaries cannot be downloaded here.
 */
export async function makeConsumer(): Promise<Consumer> {
  const timings: Record<string, number> = {};
  const timed = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      return await work();
    } finally {
      timings[name] = Math.round(performance.now() - started) / 1000;
    }
  };
  const work = mkdtempSync(join(tmpdir(), "chatwire-consumer-"));
  const packOutput = await timed("pack", () =>
    mustRun("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", work], source),
  );
  const [pack] = JSON.parse(packOutput.slice(packOutput.indexOf("["))) as PackResult[];
  if (pack === undefined) throw new Error(`npm pack printed no package:\n${packOutput}`);
  const tarball = join(work, pack.filename);

  // README's steps: `npm i chatwire` (here, the tarball; and fastify, for an app that embeds the plugin), then
  // `npx chatwire init`, then `npm install` for the tools init added.
  const project = join(work, "app");
  mkdirSync(project);
  const chatwireManifest = JSON.parse(readFileSync(join(source, "package.json"), "utf8")) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const fastify = `fastify@${chatwireManifest.dependencies.fastify ?? "5"}`;
  // The peers a user of chatwire/react, chatwire/ai-sdk, chatwire/langchain, traces and the Chainlit endpoint installs
  // beside it, and the clients and SDKs docs' examples use, at the versions this checkout tests.
  const peers = [
    "react",
    "@types/react",
    "ai",
    "socket.io",
    "socket.io-client",
    "@ag-ui/client",
    "@langchain/core",
    "@opentelemetry/api",
    "@opentelemetry/context-async-hooks",
    "@opentelemetry/sdk-trace-base",
    "openai",
  ].map((name) => `${name}@${chatwireManifest.devDependencies[name]}`);
  const install = ["install", "--prefer-offline", "--ignore-scripts", "--no-audit", "--no-fund"];
  await mustRun("npm", ["init", "-y"], project);
  await timed("install", () => mustRun("npm", [...install, tarball, fastify, ...peers], project));
  const init = await timed("init", () => run("npx", ["chatwire", "init"], { cwd: project }));
  if (init.code !== 0) {
    // A build whose init does not work: give the project init's tools anyway, to see what else fails.
    const manifestPath = join(project, "package.json");
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Record<string, unknown>;
    writeFileSync(manifestPath, JSON.stringify({ ...manifest, type: "module", devDependencies: fallbackTools }));
  }
  await timed("install tools", () => mustRun("npm", install, project));
  copyNativeAddon(project);
  return {
    work,
    tarball,
    packed: pack.files.map((file) => file.path),
    project,
    installed: join(project, "node_modules", "chatwire"),
    init,
    timings,
    remove: () => rmSync(work, { recursive: true, force: true }),
  };
}

/** better-sqlite3's addon from this checkout's node_modules into the project's (same version, checked). */
function copyNativeAddon(project: string): void {
  const ours = fileURLToPath(new URL("../../node_modules/better-sqlite3", import.meta.url));
  const theirs = join(project, "node_modules", "better-sqlite3");
  if (!existsSync(theirs)) return;
  const version = (dir: string) =>
    (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
  if (version(ours) !== version(theirs)) {
    throw new Error(`better-sqlite3 ${version(theirs)} was installed, this checkout built ${version(ours)}`);
  }
  const addon = join("build", "Release", "better_sqlite3.node");
  mkdirSync(join(theirs, "build", "Release"), { recursive: true });
  copyFileSync(join(ours, addon), join(theirs, addon));
}
