// Runs `chatwire run <script>` as a real child process and finds the port it listens on.
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import type { TestContext } from "node:test";
import { eventually } from "./gateway.ts";

/** A running gateway process. */
export interface GatewayProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything it printed so far. */
  output(): string;
  /** What it printed on stderr alone. */
  stderr(): string;
}

/** The arguments that make a child `node` run a TypeScript file: none where Node strips types itself (22.18 and
 * later), else tsx's loader, by its URL so that it resolves from any working directory. */
export const typescriptLoader: readonly string[] = (process.features as { typescript?: string | false }).typescript
  ? []
  : ["--import", import.meta.resolve("tsx")];

const listening = /listening at http:\/\/127\.0\.0\.1:(\d+)/;

/** Starts `chatwire run script` on 127.0.0.1 and an ephemeral port (`args` after those: `--watch`); killed when the
 * test ends. */
export async function startGatewayProcess(
  t: TestContext,
  script: string,
  options: { env?: Record<string, string>; cwd?: string; args?: readonly string[] } = {},
): Promise<GatewayProcess> {
  const bin = resolve("bin/chatwire.js");
  const child = spawn(
    process.execPath,
    [bin, "run", resolve(script), "--port", "0", "--host", "127.0.0.1", ...(options.args ?? [])],
    {
      cwd: options.cwd ?? process.cwd(),
      env: { ...process.env, LOG_LEVEL: "info", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  t.after(() => {
    child.kill("SIGKILL");
  });
  let output = "";
  let stderr = "";
  for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk) => (output += String(chunk)));
  child.stderr?.on("data", (chunk) => (stderr += String(chunk)));
  // Generous: a cold start transpiles the app, and CI runs four Node versions' suites on two cores.
  await eventually(() => listening.test(output) || child.exitCode !== null, 45_000);
  const port = Number(listening.exec(output)?.[1]);
  if (!port) throw new Error(`the gateway did not start:\n${output}`);
  return { child, port, output: () => output, stderr: () => stderr };
}

/** One process of a fixture app that prints `node listening at http://127.0.0.1:<port>`. */
export interface AppProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Its WebSocket endpoint. */
  readonly url: string;
  /** Everything it printed so far. */
  output(): string;
  /** Sends `signal` (kill -9 unless told) and resolves with the exit code once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

const nodeListening = /node listening at http:\/\/127\.0\.0\.1:(\d+)/;

/** Starts the app `fixture` (a TypeScript file run with the built package) with `env`; killed when the test ends. */
export async function startAppProcess(
  t: Pick<TestContext, "after">,
  fixture: string,
  env: Record<string, string> = {},
  startTimeoutMs = 45_000,
): Promise<AppProcess> {
  const child = spawn(process.execPath, [...typescriptLoader, resolve(fixture)], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  t.after(async () => {
    child.kill("SIGKILL");
    await exited;
  });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream?.on("data", (chunk) => (output += String(chunk)));
  await eventually(() => nodeListening.test(output) || child.exitCode !== null, startTimeoutMs);
  const port = Number(nodeListening.exec(output)?.[1]);
  if (!port) throw new Error(`${fixture} did not start:\n${output}`);
  return {
    child,
    port,
    url: `ws://127.0.0.1:${port}/ws`,
    output: () => output,
    kill: async (signal = "SIGKILL") => {
      child.kill(signal);
      return await exited;
    },
  };
}
