// What the stored thread keeps of a conversation beside its state: the settings values, the chat profile, the
// thread's token sums. Saved after a settings change, a usage report, a dropped connection and the session's end.
import type { JsonObject } from "../protocol/views.ts";
import type { LiveParts } from "./live-parts.ts";

/** The conversation of `session` as its stored thread's metadata keeps it. */
function conversationOf<S extends object>(session: LiveParts<S>): JsonObject {
  const { chatProfile } = session.parts;
  const usage = session.usage.thread;
  return {
    settings: session.settings.values,
    ...(chatProfile === undefined ? {} : { chatProfile }),
    ...(usage.inputTokens + usage.outputTokens === 0 ? {} : { usage: { ...usage } }),
  };
}

/** Saves the state and the conversation of `session` with its stored thread (nothing without persistence). */
export function saveConversation<S extends object>(session: LiveParts<S>): void {
  session.link?.saveState(session.parts.state.snapshot() as Record<string, unknown>, conversationOf(session));
}
