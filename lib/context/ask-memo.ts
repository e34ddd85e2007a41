// A durable turn's asks across attempts (docs/durability.md#stored-asks): before an ask is sent it is stored with
// its turn; a later attempt of the turn (the same ask id, as ids are derived from the turn) gets the stored answer
// back without asking again, or waits only what is left of the first deadline.
import { ChatwireError } from "../errors.ts";
import type { AskAnswer, AskKind } from "./init.ts";
import type { TurnAsks } from "./turn-memo.ts";

/** How one ask of a durable turn goes: answered already, or to be asked for `timeoutMs` (and stored). */
export type AskPlan = { readonly answer: AskAnswer } | { readonly timeoutMs: number; readonly memo?: TurnAsks };

/** What is known of `askId` from earlier attempts. File asks are not stored (their uploads are this node's). */
export async function planAsk(
  memo: TurnAsks | undefined,
  kind: AskKind,
  askId: string,
  timeoutMs: number,
): Promise<AskPlan> {
  if (memo === undefined || kind === "file") return { timeoutMs };
  const before = await memo.recall(askId);
  if (before === undefined) return { timeoutMs, memo };
  if (before.answer !== undefined) return { answer: before.answer as AskAnswer };
  const left = before.deadline - Date.now();
  if (left <= 0) throw new ChatwireError("ASK_TIMEOUT", `no answer to ask ${askId} before its stored deadline`);
  return { timeoutMs: left, memo };
}

/** Awaits the answer of a stored ask, and stores it (or its timeout) before the handler goes on. An ask cancelled
 * (the turn stopped, the node shuts down) leaves the store as it is: the turn's end says the rest. */
export async function storedAnswer(memo: TurnAsks, askId: string, answer: Promise<AskAnswer>): Promise<AskAnswer> {
  let given: AskAnswer;
  try {
    given = await answer;
  } catch (error) {
    if (error instanceof ChatwireError && error.code === "ASK_TIMEOUT") await memo.ended(askId, undefined);
    throw error;
  }
  await memo.ended(askId, given);
  return given;
}
