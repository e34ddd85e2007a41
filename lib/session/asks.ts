// Pending asks of one session: a handler awaits the user's answer (the context opens the ask); an `ask_reply`
// command settles it here, where the rule for what a reply must hold lives.
import { TaskAborted } from "../context/abort.ts";
import type { AskAnswer, AskKind, AskOutcome, FileAskRules, OpenAsks } from "../context/init.ts";
import { ChatwireError } from "../errors.ts";
import type { Action, ChatFile } from "../hooks/payloads.ts";
import type { AskReply } from "../protocol/client.ts";

type Answer = AskAnswer;

interface PendingAsk {
  readonly kind: AskKind;
  readonly rules: FileAskRules | undefined;
  readonly actions: ReadonlyMap<string, Action>;
  settle(answer: Answer): void;
  cancel(reason: unknown): void;
}

/** The asks a session has open, by id. */
export class AskBook implements OpenAsks {
  /** Created at the first ask: most sessions never ask. */
  #asks: Map<string, PendingAsk> | undefined;

  get #pending(): Map<string, PendingAsk> {
    this.#asks ??= new Map();
    return this.#asks;
  }

  readonly limit: number;

  constructor(limit = Infinity) {
    this.limit = limit;
  }

  get size(): number {
    return this.#asks?.size ?? 0;
  }

  /** Opens an ask and resolves with the answer; rejects with ASK_TIMEOUT, or the signal's reason when aborted. */
  open(
    askId: string,
    kind: AskKind,
    actions: readonly Action[],
    timeoutMs: number,
    signal: AbortSignal,
    onEnd: (outcome: AskOutcome) => void,
    rules?: FileAskRules,
  ): Promise<Answer> {
    if (this.size >= this.limit) {
      return Promise.reject(new ChatwireError("ASK_LIMIT", `${this.limit} asks are already waiting for an answer`));
    }
    return new Promise<Answer>((resolve, reject) => {
      const finish = (outcome: AskOutcome, settle: () => void) => {
        if (!this.#pending.delete(askId)) return;
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        onEnd(outcome);
        settle();
      };
      const onAbort = () => finish("cancelled", () => reject(signal.reason ?? new TaskAborted("disconnect")));
      const timer = setTimeout(
        () =>
          finish("timeout", () =>
            reject(new ChatwireError("ASK_TIMEOUT", `no answer to ask ${askId} within ${timeoutMs} ms`)),
          ),
        timeoutMs,
      );
      this.#pending.set(askId, {
        kind,
        rules,
        actions: new Map(actions.map((action) => [action.id, action])),
        settle: (answer) => finish("answered", () => resolve(answer)),
        cancel: (reason) => finish("cancelled", () => reject(reason)),
      });
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** Settles an ask with the client's reply; throws UNKNOWN_ASK or BAD_FRAME when the reply does not fit. */
  answer(reply: AskReply): void {
    const ask = this.#pending.get(reply.askId);
    if (ask === undefined) throw new ChatwireError("UNKNOWN_ASK", `no open ask with id ${reply.askId}`);
    if (ask.kind === "file") throw new Error("unreachable: a file ask is answered with answerFiles");
    if (ask.kind === "text") {
      if (reply.content === undefined) throw new ChatwireError("BAD_FRAME", "ask_reply: a text ask needs `content`");
      ask.settle({ kind: "text", content: reply.content });
      return;
    }
    const action = reply.actionId === undefined ? undefined : ask.actions.get(reply.actionId);
    if (action === undefined) {
      throw new ChatwireError("UNKNOWN_ACTION", "ask_reply: `actionId` is not one of the ask's actions");
    }
    ask.settle({ kind: "action", action });
  }

  /** The rules of an open file ask; undefined for another kind of ask, or none. */
  fileRules(askId: string): FileAskRules | undefined {
    const ask = this.#asks?.get(askId);
    if (ask !== undefined && ask.kind !== "file") return undefined;
    if (ask === undefined) throw new ChatwireError("UNKNOWN_ASK", `no open ask with id ${askId}`);
    return ask.rules;
  }

  /** Settles a file ask with the files its reply named, once they were claimed (a late answer is dropped). */
  answerFiles(askId: string, files: readonly ChatFile[]): void {
    const ask = this.#asks?.get(askId);
    if (ask?.kind === "file") ask.settle({ kind: "file", files });
  }

  /** Cancels one open ask (its question could not be sent): it rejects with `reason`. */
  cancel(askId: string, reason: unknown): void {
    this.#asks?.get(askId)?.cancel(reason);
  }

  /** Cancels every open ask (the session ended): each rejects with `reason`. */
  cancelAll(reason: unknown): void {
    if (this.#asks === undefined) return;
    for (const ask of [...this.#asks.values()]) ask.cancel(reason);
  }

  /** Whether ask `askId` is open here (else it may be a stored ask of a turn whose node is gone). */
  has(askId: string): boolean {
    return this.#asks?.has(askId) ?? false;
  }

  /** The ids of the open asks, oldest first. */
  ids(): string[] {
    return [...this.#pending.keys()];
  }
}
