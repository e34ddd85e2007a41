// `settings_update`: the user's new values of the settings form, checked against what the app declared.
import type { ChatwireError } from "../errors.ts";
import type { LiveParts } from "./live-parts.ts";
import { type SettingsBook, SettingsError } from "./settings.ts";

/** Settings apply at once (a running task sees them) and are saved with the thread; onSettingsUpdate runs on the
 * event lane. A refused value is an error frame naming its field, and nothing changes. */
export function updateSettings<S extends object>(
  session: LiveParts<S>,
  changes: Readonly<Record<string, unknown>>,
  replyTo: string | undefined,
): void {
  const { settings } = session;
  let values: ReturnType<SettingsBook["check"]>;
  try {
    values = settings.check(changes);
  } catch (error) {
    const field = error instanceof SettingsError ? error.field : undefined;
    const { code, message } = error as ChatwireError;
    session.emitError(code, message, replyTo, field);
    return;
  }
  settings.apply(values);
  session.notify({ type: "chat_settings", inputs: [...settings.inputs], values });
  session.saveConversation();
  const onSettingsUpdate = session.hooks.onSettingsUpdate;
  if (onSettingsUpdate !== undefined) {
    session.events.run("onSettingsUpdate", replyTo, (ctx) => onSettingsUpdate(ctx, values));
  }
}
