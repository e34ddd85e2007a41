// The answer to a stored ask that no handler here awaits (docs/durability.md#stored-asks): its turn's node is gone
// (a restart on one node, a dead node in a cluster) and the reopened thread showed the ask again. The answer is
// checked against the ask's owner, failing closed: another user, another thread, a turn still held by a live node
// or in another session are refused (UNKNOWN_ASK, as for a live ask of another session). Then it is stored (one
// answer counts) and the turn runs again through recovery, where its ask returns that answer without asking again.
import { storable } from "../context/ask-memo.ts";
import type { AskAnswer } from "../context/init.ts";
import type { LoadedThread } from "../data/layer.ts";
import type { StoredAsk } from "../data/turns.ts";
import { ChatwireError } from "../errors.ts";
import type { Action } from "../hooks/payloads.ts";
import type { AskReply } from "../protocol/client.ts";
import type { SessionTurns } from "./durable-turns.ts";
import { claimFiles, type FileRules } from "./files.ts";
import { type RecoveryHost, recoverTurns } from "./turn-recovery.ts";

/** Who answers: the session (whose uploads a file answer names), its reopened thread and its signed-in user. */
export interface Answerer {
  readonly sessionId: string;
  readonly thread: LoadedThread | undefined;
  readonly user: string | undefined;
}

/** Stores `reply` as the answer of its stored ask and runs the ask's turn again; rejects (UNKNOWN_ASK,
 * ASK_TIMEOUT, BAD_FRAME, UNKNOWN_ACTION) when it may not. */
export async function answerStoredAsk<S extends object>(
  host: RecoveryHost<S>,
  turns: SessionTurns,
  reply: AskReply,
  who: Answerer,
): Promise<void> {
  const store = turns.askStore;
  const ask = await store?.find(reply.askId);
  const thread = who.thread;
  // Not the answerer's: refused as an ask that does not exist (as a live ask of another session is), so that a
  // refusal tells another user nothing.
  const theirs =
    ask !== undefined &&
    thread !== undefined &&
    ask.threadId === thread.id &&
    (ask.owner === undefined || ask.owner === who.user);
  if (store === undefined || !theirs || ask.answer !== undefined || thread === undefined) {
    throw new ChatwireError("UNKNOWN_ASK", `no open ask with id ${reply.askId}`);
  }
  if (Date.parse(ask.deadline) <= Date.now()) {
    throw new ChatwireError("ASK_TIMEOUT", `ask ${ask.askId} is past its deadline`);
  }
  const turn = (await turns.openTurns(thread.id)).find((open) => open.id === ask.turnId);
  if (turn?.state !== "waiting") throw new ChatwireError("UNKNOWN_ASK", `the turn of ask ${ask.askId} has ended`);
  // Its handler still waits somewhere: only there can it be answered.
  if (turn.nodeId === turns.nodeId || (await turns.isAlive(turn.nodeId))) {
    throw new ChatwireError("UNKNOWN_ASK", `ask ${ask.askId} waits in another session: answer it there`);
  }
  const answer = isFileAsk(ask) ? await fileAnswer(host, ask, reply, who.sessionId, thread.id) : answerOf(ask, reply);
  if (!(await store.answer(ask.askId, JSON.stringify(storable(answer))))) {
    throw new ChatwireError("UNKNOWN_ASK", `ask ${ask.askId} was answered already`);
  }
  host.notify({ type: "ask_end", askId: ask.askId, outcome: "answered" });
  await recoverTurns(host, turns, thread);
}

const isFileAsk = (ask: StoredAsk): boolean => (ask.frame as { kind: string }).kind === "file";

/** A file ask's answer: the uploads `reply` names, claimed for the thread under the ask's rules, as a live file
 * ask's are (ask-reply.ts). */
async function fileAnswer<S extends object>(
  host: RecoveryHost<S>,
  ask: StoredAsk,
  reply: AskReply,
  sessionId: string,
  threadId: string,
): Promise<AskAnswer> {
  if (reply.files === undefined || reply.files.length === 0) {
    throw new ChatwireError("BAD_FRAME", "ask_reply: a file ask needs `files`");
  }
  const rules = (ask.frame as { files?: FileRules }).files ?? {};
  return { kind: "file", files: await claimFiles(host.files, reply.files, { sessionId, threadId }, rules) };
}

/** The answer `reply` gives to a text or action `ask`, by the same rule as a live ask's (AskBook.answer). */
export function answerOf(ask: StoredAsk, reply: AskReply): AskAnswer {
  const frame = ask.frame as { kind: string; message: { actions?: readonly Action[] } };
  if (frame.kind === "text") {
    if (reply.content === undefined) throw new ChatwireError("BAD_FRAME", "ask_reply: a text ask needs `content`");
    return { kind: "text", content: reply.content };
  }
  const action = frame.message.actions?.find((one) => one.id === reply.actionId);
  if (action === undefined) {
    throw new ChatwireError("UNKNOWN_ACTION", "ask_reply: `actionId` is not one of the ask's actions");
  }
  return { kind: "action", action };
}
