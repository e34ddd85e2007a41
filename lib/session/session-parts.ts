// The parts every context of a live session is built from (ContextInit), made once with the session: the task and
// event contexts read them through DerivedInit (lib/context/derived-init.ts), never a copy per task.
import { memoryGrants } from "../context/approve.ts";
import type { ContextInit } from "../context/init.ts";
import { createStateStore } from "../context/state.ts";
import { LiveTable } from "../hooks/live-table.ts";
import { isoNow } from "./iso-now.ts";
import type { LiveParts } from "./live-parts.ts";
import type { SessionInit } from "./session.ts";
import type { FrameTracer } from "./traces.ts";

const now = (): Date => new Date();

/** `session`'s parts. One literal, all its properties data (no getter): V8 keeps it out of dictionary mode. */
export function sessionParts<S extends object>(
  session: LiveParts<S>,
  init: SessionInit<S>,
  threadId: string,
  traces: FrameTracer | undefined,
): ContextInit<S> {
  const { limits } = init;
  return {
    sessionId: session.id,
    threadId,
    user: init.user,
    chatProfile: init.chatProfile,
    userEnv: init.userEnv,
    state: createStateStore<S>(init.restoredState ?? init.initialState?.(), limits.maxStoreBytes),
    log: init.log,
    emit: (frame) => session.emit(frame),
    renameAuthor: init.hooks instanceof LiveTable ? init.hooks.renameAuthor : init.hooks.authorRename,
    asks: session.asks,
    actions: session.actions,
    settings: session.settings,
    commands: session.commands,
    modes: session.modes,
    history: () => session.transcript.messages(),
    usage: session.usage,
    newId: () => session.ids.next(),
    claimId: (id) => session.chosenIds.claim(id, session.transcript.has(id)),
    now,
    isoNow,
    askTimeoutMs: limits.askTimeoutMs,
    maxAskTimeoutMs: limits.maxAskTimeoutMs,
    maxStreamBytes: limits.maxStreamBytes,
    files: init.files,
    thread: init.link,
    audio: session.output,
    grants: init.grants ?? memoryGrants(),
    // A data property, set once the desk makes its book (mcpDesk): a getter here would put this ~30-property object in
    // V8's dictionary mode (1.6 KiB per idle session, and a hash lookup on every read of a part).
    mcp: undefined,
    spans: traces,
  };
}
