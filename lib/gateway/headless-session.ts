// A headless session (docs/durability.md#orphans-nobody-reopens): a session of a stored thread with no socket, opened
// by the orphan sweeper to recover the thread's orphaned turns when no client comes back for them. Its user is the
// thread's stored owner. It reopens the thread as a client's session would (onChatResume, then each orphan claimed
// and run through onTurnRecover or onMessage, everything stored as usual, its turns followed live by the thread's
// other sessions), then ends once its tasks have run — or once one waits on an ask: no one is here to answer it, so
// the turn is let go, still waiting, for its user (session end "disconnect", durable-turns.ts #released).
import type { DataLayer } from "../data/layer.ts";
import type { User } from "../protocol/views.ts";
import type { Session } from "../session/session.ts";
import type { FrameSink } from "../session/sink.ts";
import { newSession, type SessionScope } from "./new-session.ts";
import { restoredConversation } from "./persistence.ts";

/** Where a headless session's frames go: nowhere (what it does is stored, and its followers get it live). */
const NO_CLIENT: FrameSink = {
  bufferedAmount: 0,
  send() {},
  onDrain: (listener) => setImmediate(listener),
  close() {},
};

/**
 * Opens a headless session on `threadId`, lets it recover the thread's orphans, and ends it. `held` keeps the live
 * session while it runs (the sweeper ends them at shutdown). Resolves when the session has ended; rejects when the
 * thread cannot be loaded.
 */
export async function recoverHeadless<S extends object>(
  scope: SessionScope<S>,
  threadId: string,
  held: Set<Session>,
): Promise<void> {
  const persistence = scope.persistence;
  if (persistence === undefined) return;
  const { layer, recorder } = persistence;
  await recorder.settle(threadId);
  const record = await layer.getThread(threadId);
  const thread = record === undefined ? undefined : await layer.loadThread(threadId);
  if (record === undefined || thread === undefined) return;
  const user = record.userIdentifier === undefined ? undefined : await ownerOf(layer, record.userIdentifier);
  // A headless session looks once: a turn another live node holds is that node's (or the next sweep's).
  const durableTurns = scope.durableTurns === undefined ? undefined : { ...scope.durableTurns, recheckForMs: 0 };
  const { session } = newSession(
    { ...scope, durableTurns },
    {
      user,
      thread,
      chosen: { chatProfile: restoredConversation(thread).chatProfile, starters: [] },
      userEnv: undefined,
      registry: { delete: (ended) => held.delete(ended) },
    },
  );
  held.add(session);
  session.attach(NO_CLIENT, 0);
  session.start(thread);
  try {
    await session.settled?.();
  } finally {
    await session.end("disconnect");
  }
}

/** The thread's owner as a session's user: the stored user, or the bare identifier if the row is gone. */
async function ownerOf(layer: DataLayer, identifier: string): Promise<User> {
  const stored = await layer.getUser(identifier);
  if (stored === undefined) return { identifier };
  return {
    identifier: stored.identifier,
    ...(stored.displayName === undefined ? {} : { displayName: stored.displayName }),
    metadata: stored.metadata,
  };
}
