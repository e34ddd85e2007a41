// Asking the user (askText, askAction, askFile): one ask frame out, one answer back, its message removed when asked
// to. A durable turn's later attempt is answered from what it stored, or waits what is left of its deadline.
import type { Action, ChatFile } from "../hooks/payloads.ts";
import type { AskInit } from "./ask-init.ts";
import { planAsk, storedAnswer } from "./ask-memo.ts";
import { checkedAskTimeout } from "./ask-timeout.ts";
import type { AskKind, AskOutcome, ContextInit, FileAskRules } from "./init.ts";
import { type ActionInit, SentMessage, viewOf } from "./message.ts";

/** Options of `askFile` (Chainlit's AskFileMessage): what to upload, and how much. */
export interface AskFileInit extends AskInit {
  /** MIME types and `type/*` patterns the files may have (found in their bytes). Default: any. */
  readonly accept?: readonly string[] | undefined;
  /** Bytes per file. Default (and at most): the gateway's `maxUploadBytes`. */
  readonly maxSizeBytes?: number | undefined;
  /** How many files the user may send in the answer (at least one). Default 1. */
  readonly maxFiles?: number | undefined;
}

/** Asks for text; resolves with the user's reply. */
export async function askText<S extends object>(init: ContextInit<S>, signal: AbortSignal, ask: AskInit) {
  const answer = await askUser(init, signal, ask, "text", []);
  if (answer.kind !== "text") throw new Error("unreachable: a text ask was answered with an action");
  return answer.content;
}

/** Asks the user to pick one of `ask.actions`; resolves with the one picked. */
export async function askAction<S extends object>(
  init: ContextInit<S>,
  signal: AbortSignal,
  ask: AskInit & { readonly actions: readonly ActionInit[] },
): Promise<Action> {
  const answer = await askUser(init, signal, ask, "action", ask.actions);
  if (answer.kind !== "action") throw new Error("unreachable: an action ask was answered with text");
  return answer.action;
}

/** Asks for files within `ask`'s rules, never above the gateway's upload ceiling; resolves with the files. */
export async function askFile<S extends object>(
  init: ContextInit<S>,
  signal: AbortSignal,
  ask: AskFileInit,
): Promise<readonly ChatFile[]> {
  const ceiling = init.files?.maxElementBytes ?? Number.MAX_SAFE_INTEGER;
  const rules: FileAskRules = {
    accept: [...(ask.accept ?? ["*/*"])],
    maxSizeBytes: Math.min(ask.maxSizeBytes ?? ceiling, ceiling),
    maxFiles: Math.max(1, ask.maxFiles ?? 1),
  };
  const answer = await askUser(init, signal, ask, "file", [], rules);
  if (answer.kind !== "file") throw new Error("unreachable: a file ask was answered with something else");
  return answer.files;
}

async function askUser<S extends object>(
  init: ContextInit<S>,
  taskSignal: AbortSignal,
  ask: AskInit,
  kind: AskKind,
  actions: readonly ActionInit[],
  rules?: FileAskRules,
) {
  const timeoutMs = checkedAskTimeout(ask.timeoutMs ?? init.askTimeoutMs, init.maxAskTimeoutMs);
  const { content, author } = ask;
  if (ask.signal?.aborted) throw ask.signal.reason;
  const message = new SentMessage(init, { content, actions, ...(author === undefined ? {} : { author }) }, false);
  const askId = init.newId();
  // A durable turn's later attempt: answered already (not asked again), or waiting what is left of its deadline.
  const plan = await planAsk(init.turn?.asks, askId, timeoutMs, { access: init.files, threadId: init.threadId });
  if ("answer" in plan) {
    if (ask.removeWhenDone === true) removeAsked(init, message.id);
    return plan.answer;
  }
  // The view first: if authorRename throws, no ask is left open to time out with nobody awaiting it.
  const view = await viewOf(init, message);
  const signal = ask.signal === undefined ? taskSignal : AbortSignal.any([taskSignal, ask.signal]);
  const end = (outcome: AskOutcome) => {
    void init.emit({ type: "ask_end", askId, outcome });
    if (ask.removeWhenDone === true) removeAsked(init, view.id);
  };
  const files = rules === undefined ? {} : { files: { ...rules, accept: [...rules.accept] } };
  const frame = { type: "ask", askId, kind, message: view, ...files } as const;
  await plan.memo?.wait(askId, frame, Date.now() + plan.timeoutMs);
  const answer = init.asks.open(askId, kind, message.actions, plan.timeoutMs, signal, end, rules);
  try {
    await init.emit({ ...frame, timeoutMs: plan.timeoutMs });
  } catch (error) {
    init.asks.cancel(askId, error);
    await answer.catch(() => undefined);
    throw error;
  }
  return plan.memo === undefined ? answer : storedAnswer(plan.memo, askId, answer);
}

/** Removes an ask's message; best effort: a session that has ended has nothing left to remove it from. */
function removeAsked<S extends object>(init: ContextInit<S>, id: string): void {
  try {
    Promise.resolve(init.emit({ type: "message_delete", id })).catch(() => undefined);
  } catch {
    // SESSION_CLOSED
  }
}
