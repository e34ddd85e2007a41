// `chatwire run app.ts [--port N] [--host H]`: import the app script (it registers hooks), then serve it.
// First, so that an unsupported Node.js stops here with a one-line message (it must stay the first import).
import "./require-node.ts";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { serve } from "../server.ts";
import { registerTypeScript } from "./typescript.ts";

const usage = "usage: chatwire run <app.ts> [--port 8000] [--host 127.0.0.1]";

/** Runs the CLI with `argv` (without node and the script). */
export async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { port: { type: "string" }, host: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  const [command, script] = positionals;
  if (values.help || command !== "run" || script === undefined) {
    console.error(usage);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  // The TypeScript hooks are registered only now: chatwire itself (already loaded) stays outside them, and the app's
  // `import "chatwire"` finds the same, cached module. A JavaScript app never starts them.
  if (/\.[cm]?tsx?$/.test(script)) registerTypeScript(script);
  await import(pathToFileURL(resolve(script)).href);
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !Number.isInteger(port)) throw new Error(`--port must be a number, not ${values.port}`);
  await serve({ port, host: values.host });
}

await main(process.argv.slice(2));
