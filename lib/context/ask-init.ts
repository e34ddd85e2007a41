// What every ask takes (askText, askAction, askFile, approve): its own module, so that approve.ts, which builds
// on askAction, needs nothing of context.ts.

/** Options of an ask: the question, who asks, and how long to wait (ms). */
export interface AskInit {
  readonly content: string;
  readonly author?: string | undefined;
  readonly timeoutMs?: number | undefined;
  /** Cancels the ask when aborted (it rejects with the signal's reason; `ask_end` says `cancelled`), e.g. when the
   * answer came another way. */
  readonly signal?: AbortSignal | undefined;
  /** Removes the ask's message once the ask is over, however it ended (Chainlit's `ask.remove()`). */
  readonly removeWhenDone?: boolean | undefined;
}
