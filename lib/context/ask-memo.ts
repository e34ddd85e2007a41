// A durable turn's asks across attempts (docs/durability.md#stored-asks): before an ask is sent it is stored with
// its turn; a later attempt of the turn (the same ask id, as ids are derived from the turn) gets the stored answer
// back without asking again, or waits only what is left of the first deadline.
import { ChatwireError } from "../errors.ts";
import { type FileAccess, filesOfThread } from "./files.ts";
import type { AskAnswer } from "./init.ts";
import type { TurnAsks } from "./turn-memo.ts";

/** How one ask of a durable turn goes: answered already, or to be asked for `timeoutMs` (and stored). */
export type AskPlan = { readonly answer: AskAnswer } | { readonly timeoutMs: number; readonly memo?: TurnAsks };

/** Where a file ask's stored answer is found again: the session's files, and the thread they were bound to. */
export interface AskFiles {
  readonly access: FileAccess | undefined;
  readonly threadId: string;
}

/** What is known of `askId` from earlier attempts. A file ask's stored answer names its files: they are read back
 * from the file store (those still stored there and bound to the thread). */
export async function planAsk(
  memo: TurnAsks | undefined,
  askId: string,
  timeoutMs: number,
  files?: AskFiles,
): Promise<AskPlan> {
  if (memo === undefined) return { timeoutMs };
  const before = await memo.recall(askId);
  if (before === undefined) return { timeoutMs, memo };
  if (before.answer !== undefined) {
    const answer = before.answer as AskAnswer;
    return {
      answer:
        answer.kind === "file"
          ? { kind: "file", files: await filesOfThread(files?.access, files?.threadId, answer.files) }
          : answer,
    };
  }
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
  await memo.ended(askId, storable(given));
  return given;
}

/** An answer as stored: a file answer by its files' ids and names (the bytes stay in the file store). */
export function storable(answer: AskAnswer): unknown {
  if (answer.kind !== "file") return answer;
  return { kind: "file", files: answer.files.map(({ id, name, mime, size }) => ({ id, name, mime, size })) };
}
