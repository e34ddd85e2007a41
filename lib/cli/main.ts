// `chatwire run app.ts [--watch] [--port N] [--host H] [--env-file .env]`: import the app script (it registers
// hooks), then serve it; with --watch, reload it on each change (lib/cli/reload.ts).
// `chatwire hello`: serve a bundled demo app. `chatwire init [dir]`: write a new project (lib/cli/init.ts).
// First, so that an unsupported Node.js stops here with a one-line message (it must stay the first import).
import "./require-node.ts";
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import type { GatewayHandle } from "../gateway/handle.ts";
import type { HookTable } from "../hooks/table.ts";
import { runUsage, usage } from "./usage.ts";

/** How long the watcher waits after the last change of a burst (an editor's save is several events). */
const WATCH_DEBOUNCE_MS = 100;

type Values = { port?: string | undefined; host?: string | undefined };

/** Runs the CLI with `argv` (without node and the script). */
export async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "env-file": { type: "string" },
      watch: { type: "boolean", short: "w" },
      help: { type: "boolean", short: "h" },
      version: { type: "boolean", short: "v" },
    },
  });
  const [command, target] = positionals;
  if (values.version) return void console.log(version());
  if (!values.help && command === "init" && positionals.length <= 2) return init(target ?? ".");
  if (values.help && command === "run") return void console.log(runUsage);
  if (values.help || (command === "hello" ? positionals.length > 1 : command !== "run" || target === undefined)) {
    (values.help ? console.log : console.error)(usage);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  if (values["env-file"] !== undefined) loadEnvFile(values["env-file"]);
  // chatwire's own modules load first, the public entry included, so that they stay outside the TypeScript hooks
  // registered next and the app's `import "chatwire"` finds them cached. (`init` loads none of them: it runs from an
  // unpacked package without its dependencies too.)
  const [{ serve }] = await Promise.all([import("../server.ts"), import("../index.ts")]);
  if (command === "hello") {
    await import("./hello-app.ts");
    const server = await serve({ port: portOf(values), host: values.host, logger: { level: "warn" } });
    const address = server.server.address();
    const where = typeof address === "object" && address !== null ? `${address.address}:${address.port}` : address;
    console.log(`chatwire hello: open http://${where}/ (Ctrl-C stops it)`);
    return;
  }
  if (target === undefined) return;
  const watch = values.watch === true;
  // A JavaScript app never starts the hooks, unless watched: they tag a reload's imports (lib/cli/fresh-imports.ts).
  if (watch || /\.[cm]?tsx?$/.test(target)) (await import("./typescript.ts")).registerTypeScript(target);
  const entry = pathToFileURL(resolve(target)).href;
  let hooks: HookTable | undefined;
  if (watch) hooks = await firstLoadWatched(target, entry);
  else await import(entry);
  const watcher = watch ? await appWatcher(target, entry) : undefined;
  // Watching starts with the gateway, before it listens: no edit made once a client can connect goes unseen.
  await serve({ port: portOf(values), host: values.host, onReady: watcher, hooks });
}

/** Imports a watched app. When that fails, the server starts anyway, serving a table that says why (the watcher
 * loads the app at the next save): resolves with that table, or undefined when the app loaded. */
async function firstLoadWatched(target: string, entry: string): Promise<HookTable | undefined> {
  try {
    await import(entry);
    return undefined;
  } catch (error) {
    const [{ describeLoadError }, { brokenAppTable }, { defaultApp }] = await Promise.all([
      import("./reload.ts"),
      import("./broken-app.ts"),
      import("../hooks/registrars.ts"),
    ]);
    // Sealed, so that a registration from the failed module's pending code throws instead of landing unseen.
    defaultApp.seal();
    console.error(
      `chatwire: ${target} did not load; serving without it until a save fixes it:\n${describeLoadError(error)}`,
    );
    const reason = error instanceof Error ? error.message : String(error);
    return brokenAppTable(`${relative(process.cwd(), resolve(target))} did not load: ${reason}`.slice(0, 2000));
  }
}

/** What starts reloading the app into a gateway on every burst of changes under the app's directory. */
async function appWatcher(target: string, entry: string): Promise<(gateway: GatewayHandle) => void> {
  const [{ createReloader }, { watchTree }] = await Promise.all([import("./reload.ts"), import("./watch-tree.ts")]);
  return (gateway) => {
    const reloader = createReloader(entry, gateway, { info: console.log, error: console.error });
    const root = dirname(resolve(target));
    watchTree(root, (files) => void reloader.reload(files), WATCH_DEBOUNCE_MS);
    console.log(`chatwire: watching ${relative(process.cwd(), root) || "."} for changes (node_modules excepted)`);
  };
}

const portOf = (values: Values): number | undefined => {
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !Number.isInteger(port)) throw new Error(`--port must be a number, not ${values.port}`);
  return port;
};

/** This package's version, from its package.json (two levels up from lib/cli/ and from dist/cli/ alike). */
const version = (): string =>
  (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

/** Variables from a .env file into process.env, for the app and for chatwire (CHATWIRE_AUTH_SECRET, PORT, …); the
 * ones already in the environment win. */
function loadEnvFile(path: string): void {
  if (typeof process.loadEnvFile !== "function") throw new Error("--env-file needs Node 20.12 or newer");
  process.loadEnvFile(path);
}

/** `chatwire init [dir]`: the project, then what to type next. */
async function init(dir: string): Promise<void> {
  const { initProject } = await import("./init.ts");
  let result: Awaited<ReturnType<typeof initProject>>;
  try {
    result = await initProject(dir);
  } catch (error) {
    console.error(`chatwire init: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
    return;
  }
  const where = relative(process.cwd(), result.dir);
  const cd = where === "" ? "" : `cd ${/\s/.test(where) ? JSON.stringify(where) : where} && `;
  const kept = result.kept.length === 0 ? "" : `\nKept your ${result.kept.join(", ")}.`;
  console.log(`chatwire init: wrote ${result.written.join(", ")} in ${result.dir}.${kept}
Next:

  ${cd}npm install
  npm start    # serves app.ts at http://127.0.0.1:8000/: sign in with any name and the password ${result.password}
  npm test     # runs app.test.ts

The password is CHAT_PASSWORD in .env, beside the token secret; .gitignore keeps .env out of git.`);
}

await main(process.argv.slice(2));
