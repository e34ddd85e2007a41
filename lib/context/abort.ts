// Why a handler's signal was aborted. Stop and disconnect are different events and a handler can tell them apart.

/** `stop`: the user pressed stop. `disconnect`: the session ended. `shutdown`: the server is closing.
 * `timeout`: the task ran past its time limit. `superseded`: a newer message interrupted it (the `interrupt`
 * policy for messages sent mid-reply). `taken_over`: in a cluster, this node may no longer run the durable turn
 * (another node takes it over: docs/durability.md#fencing). */
export type AbortKind = "stop" | "disconnect" | "shutdown" | "timeout" | "superseded" | "taken_over";

/** The reason an AbortSignal carries when chatwire aborts it. */
export class TaskAborted extends Error {
  override name = "TaskAborted";
  readonly kind: AbortKind;

  constructor(kind: AbortKind) {
    super(`task aborted: ${kind}`);
    this.kind = kind;
  }
}

/**
 * Why `signal` was aborted, or undefined if it was not (or not by chatwire).
 * @example if (abortKind(ctx.signal) === "timeout") ctx.log.warn("the task took too long");
 */
export const abortKind = (signal: AbortSignal): AbortKind | undefined =>
  signal.aborted && signal.reason instanceof TaskAborted ? signal.reason.kind : undefined;

/**
 * Whether `error` was caused by the abort of `signal`: the signal's own reason, a `TaskAborted`, or an `AbortError`
 * (Node's timers, fetch, events.once, stream.pipeline wrap the reason as its `cause`) while the signal is aborted.
 * @example
 * try { await fetch(url, { signal: ctx.signal }); } catch (error) { if (!isAbortOf(error, ctx.signal)) throw error; }
 */
export function isAbortOf(error: unknown, signal: AbortSignal): boolean {
  if (!signal.aborted) return false;
  // A cause chain is short; the bound only guards against a cycle.
  for (let e = error, depth = 0; e !== undefined && e !== null && depth < 8; depth++) {
    if (e === signal.reason || e instanceof TaskAborted) return true;
    if (e instanceof Error && e.name === "AbortError") return true;
    e = e instanceof Error ? e.cause : undefined;
  }
  return false;
}
