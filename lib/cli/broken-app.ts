// `chatwire run --watch` when the app's first load fails: a table that tells every conversation so, while the
// server stays up and the watcher waits for the save that fixes the app (lib/cli/reload.ts then serves it).
import { createApp } from "../hooks/registrars.ts";
import type { HookTable } from "../hooks/table.ts";

/** A table whose every chat start and message answers with an error toast saying why the app is not served.
 * @example await serve({ hooks: brokenAppTable("app.ts did not load: Unexpected token") }); */
export function brokenAppTable(reason: string): HookTable {
  const app = createApp();
  const tell = (ctx: { toast: (message: string, options: { level: "error" }) => Promise<void> }) =>
    ctx.toast(`${reason}; save a fix and it loads`, { level: "error" });
  app.onChatStart(tell);
  app.onMessage(tell);
  return app.seal();
}
