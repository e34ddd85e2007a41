// `chatwire run app.ts [--port N] [--host H] [--env-file .env]`: import the app script (it registers hooks), then
// serve it.
// `chatwire init [dir]`: write a new project (lib/cli/init.ts).
// First, so that an unsupported Node.js stops here with a one-line message (it must stay the first import).
import "./require-node.ts";
import { relative, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";

const usage = `usage: chatwire run <app.ts> [--port 8000] [--host 127.0.0.1] [--env-file .env]
       chatwire init [dir]`;

/** Runs the CLI with `argv` (without node and the script). */
export async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      "env-file": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, target] = positionals;
  if (!values.help && command === "init" && positionals.length <= 2) return init(target ?? ".");
  if (values.help || command !== "run" || target === undefined) {
    console.error(usage);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  if (values["env-file"] !== undefined) loadEnvFile(values["env-file"]);
  // chatwire's own modules load first, the public entry included, so that they stay outside the TypeScript hooks
  // registered next and the app's `import "chatwire"` finds them cached. (`init` loads none of them: it runs from an
  // unpacked package without its dependencies too.)
  const [{ serve }] = await Promise.all([import("../server.ts"), import("../index.ts")]);
  // A JavaScript app never starts the hooks.
  if (/\.[cm]?tsx?$/.test(target)) (await import("./typescript.ts")).registerTypeScript(target);
  await import(pathToFileURL(resolve(target)).href);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !Number.isInteger(port)) throw new Error(`--port must be a number, not ${values.port}`);
  await serve({ port, host: values.host });
}

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
