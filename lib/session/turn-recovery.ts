// Recovery of the turns a dead node left running, when their thread opens on this node (docs/durability.md): each
// orphan is claimed (one node wins), then run again as a task — onTurnRecover, or by default onMessage with the
// turn's input — or, when it may not be (recovery off, too many attempts), ended with a reason the user sees.
import type { ChatContext } from "../context/context.ts";
import { type FileAccess, filesOfThread } from "../context/files.ts";
import type { LoadedThread } from "../data/layer.ts";
import type { StoredAsk, StoredTurn } from "../data/turns.ts";
import type { ErrorCode } from "../errors.ts";
import type { ChatFile } from "../hooks/payloads.ts";
import type { HookTable } from "../hooks/table.ts";
import type { Logger } from "../logger.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { LaneTurn, Refusal, SessionTurns } from "./durable-turns.ts";

/** What recovery needs of its session. */
export interface RecoveryHost<S extends object> {
  readonly hooks: HookTable<S>;
  /** The session has ended: stop looking. */
  readonly ended: boolean;
  readonly log: Logger;
  /** Where the session's files live: a recovered input's files are found there again. */
  readonly files: FileAccess | undefined;
  notify(frame: OutgoingFrame): void;
  emitError(code: ErrorCode, message: string, replyTo?: string): void;
  /** Queues a task on the session's task lane (TaskLane.run). */
  runTask(hook: string, run: (ctx: ChatContext<S>) => unknown, turn: LaneTurn): boolean;
}

const REFUSALS: Record<Refusal | "hook_failed", string> = {
  recovery_off: "recovery of interrupted turns is off on this server",
  too_many_attempts: "it was interrupted too many times",
  hook_failed: "its recovery failed",
};

/**
 * Finds, claims and recovers the orphaned turns of `thread`. A turn another node still holds a lease for is looked
 * at again every `recheck.everyMs` while the session lasts (up to `recheck.forMs`): a client that reconnects at once
 * after its node died gets here before that node's lease runs out. Never rejects: a failure is logged.
 */
export async function recoverTurns<S extends object>(
  host: RecoveryHost<S>,
  turns: SessionTurns,
  thread: LoadedThread,
): Promise<void> {
  const { everyMs, forMs } = turns.recheck;
  const until = Date.now() + forMs;
  const shown = new Set<string>();
  for (;;) {
    let found: { claimed: StoredTurn[]; owned: number; waiting: StoredAsk[] };
    try {
      found = await turns.orphans(thread.id);
    } catch (error) {
      host.log.error({ err: error, threadId: thread.id }, "orphaned turns could not be looked up");
      return;
    }
    for (const ask of found.waiting) if (!shown.has(ask.askId)) showAsk(host, ask, shown);
    for (const turn of found.claimed) {
      const refusal = turns.refusal(turn);
      if (refusal === undefined) await recoverOne(host, turns, turn, thread);
      else endLost(host, turns, turn, thread, refusal);
    }
    if (found.owned === 0 || Date.now() + everyMs > until) return;
    await new Promise((resolve) => setTimeout(resolve, everyMs).unref());
    if (host.ended) return;
  }
}

/** A stored ask of a turn whose node is gone, shown again with what is left of its time: its answer comes back to
 * this session's stored-ask path (stored-asks.ts), which runs the turn again. */
function showAsk<S extends object>(host: RecoveryHost<S>, ask: StoredAsk, shown: Set<string>): void {
  shown.add(ask.askId);
  const timeoutMs = Math.max(1, Date.parse(ask.deadline) - Date.now());
  host.notify({ ...(ask.frame as Extract<OutgoingFrame, { type: "ask" }>), timeoutMs });
}

async function recoverOne<S extends object>(
  host: RecoveryHost<S>,
  turns: SessionTurns,
  turn: StoredTurn,
  thread: LoadedThread,
): Promise<void> {
  const { payload, lane, touched } = turns.recovered(turn, thread, await restoredFiles(host, turn, thread));
  host.log.info({ turnId: turn.id, threadId: thread.id, attempt: turn.attempts }, "recovering an interrupted turn");
  const ended = lane.ended;
  const watched: LaneTurn = {
    ...lane,
    ended(outcome) {
      ended(outcome);
      // A recovery that failed before it sent the answer again leaves the stored partial: say why it stopped.
      if (outcome.state === "failed") markLost(host, turns, turn, thread, touched);
    },
  };
  const recover = host.hooks.onTurnRecover;
  const onMessage = host.hooks.onMessage;
  host.runTask(
    recover === undefined ? "onMessage" : "onTurnRecover",
    (ctx) => (recover === undefined ? onMessage?.(ctx, payload.input) : recover(ctx, payload)),
    watched,
  );
}

/** The files of a recovered turn's input, read back from the session's file store; one gone is left out, and logged. */
async function restoredFiles<S extends object>(
  host: RecoveryHost<S>,
  turn: StoredTurn,
  thread: LoadedThread,
): Promise<ChatFile[]> {
  const listed = (turn.input as { files?: readonly { id: string }[] }).files ?? [];
  const files = await filesOfThread(host.files, thread.id, listed);
  if (files.length < listed.length)
    host.log.warn({ turnId: turn.id, missing: listed.length - files.length }, "a recovered turn's files are gone");
  return files;
}

/** A turn not run again: its partial answers end `node_lost`, and a TURN_NOT_RECOVERED error says why. */
function endLost<S extends object>(
  host: RecoveryHost<S>,
  turns: SessionTurns,
  turn: StoredTurn,
  thread: LoadedThread,
  refusal: Refusal,
): void {
  turns.endUnrecovered(turn, refusal);
  markLost(host, turns, turn, thread, new Set());
  host.emitError("TURN_NOT_RECOVERED", `a reply was interrupted and not resumed: ${REFUSALS[refusal]}`);
}

function markLost<S extends object>(
  host: RecoveryHost<S>,
  turns: SessionTurns,
  turn: StoredTurn,
  thread: LoadedThread,
  touched: ReadonlySet<string>,
): void {
  for (const message of turns.messagesOf(turn, thread)) {
    if (touched.has(message.id) || message.stopped !== undefined || message.role !== "assistant") continue;
    const step = thread.steps.find((s) => s.id === message.id);
    if (step?.kind !== "message") continue;
    const { feedback: _feedback, kind: _kind, ...view } = step;
    host.notify({ type: "message_update", message: { ...view, stopped: "node_lost" } });
  }
}
