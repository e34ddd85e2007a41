// `chatwire run --watch`'s reload: import the edited app afresh into the default app's registrars, reopened, and
// hand the sealed table to the running gateway. Sessions keep their sockets, threads and history; a running turn
// finishes on the handler it called. A reload that fails leaves the table that serves as it is.
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { GatewayHandle } from "../gateway/handle.ts";
import { defaultApp, reopenApp } from "../hooks/registrars.ts";
import { generationUrl } from "./fresh-imports.ts";

/** What a reload reports to: the terminal's lines. */
export interface ReloadOutput {
  info(line: string): void;
  error(line: string): void;
}

/** What the terminal shows of a failed load: a syntax error's own lines (esbuild's name the file, line and column;
 * its stack would be esbuild's), else the stack, which names the app's line. */
export const describeLoadError = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const fromEsbuild = "errors" in error && Array.isArray(error.errors);
  return fromEsbuild ? error.message : (error.stack ?? error.message);
};

/** The longest reason a notice carries; the terminal gets all of it. */
const MAX_NOTICE_CHARS = 2000;

/**
 * Reloads the app at `entry` (a file: URL) into `gateway` each time `reload(changed)` is called, one at a time:
 * changes that arrive during a reload make one more reload after it.
 * @example const reloader = createReloader(pathToFileURL("app.ts").href, handle, console); await reloader.reload(["/app/app.ts"]);
 */
export function createReloader(entry: string, gateway: GatewayHandle, output: ReloadOutput) {
  const appName = relative(process.cwd(), fileURLToPath(entry));
  let generation = 0;
  let running: Promise<void> = Promise.resolve();
  const waiting = new Set<string>();

  async function load(changed: readonly string[]): Promise<void> {
    const started = performance.now();
    const what = changed.map((path) => relative(process.cwd(), path)).join(", ");
    generation += 1;
    reopenApp(defaultApp);
    try {
      await import(generationUrl(entry, generation));
      gateway.replaceHooks(defaultApp.seal());
    } catch (error) {
      // Sealed, so that a registration from the failed module's pending code throws instead of landing unseen.
      defaultApp.seal();
      const reason = error instanceof Error ? error.message : String(error);
      output.error(
        `chatwire: ${what} changed; ${appName} did not reload, the previous version serves on:\n${describeLoadError(error)}`,
      );
      const message = `${appName} did not reload: ${reason}`.slice(0, MAX_NOTICE_CHARS);
      gateway.notifyAll({ type: "notice", code: "APP_RELOAD_FAILED", message });
      return;
    }
    const message = `${what} changed; ${appName} reloaded in ${Math.round(performance.now() - started)} ms`;
    output.info(`chatwire: ${message}`);
    gateway.notifyAll({ type: "notice", code: "APP_RELOADED", message });
  }

  return {
    /** Reloads after the one running (if any) ends; resolves when this change is served or refused. */
    reload(changed: readonly string[]): Promise<void> {
      const first = waiting.size === 0;
      for (const path of changed) waiting.add(path);
      if (!first) return running;
      running = running.then(() => {
        const batch = [...waiting];
        waiting.clear();
        return load(batch);
      });
      return running;
    },
  };
}
