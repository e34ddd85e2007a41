// Why a handler's signal was aborted. Stop and disconnect are different events and a handler can tell them apart.

/** `stop`: the user pressed stop. `disconnect`: the session ended. `shutdown`: the server is closing.
 * `timeout`: the task ran past its time limit. */
export type AbortKind = "stop" | "disconnect" | "shutdown" | "timeout";

/** The reason an AbortSignal carries when chatwire aborts it. */
export class TaskAborted extends Error {
  override name = "TaskAborted";
  constructor(readonly kind: AbortKind) {
    super(`task aborted: ${kind}`);
  }
}

/**
 * Why `signal` was aborted, or undefined if it was not (or not by chatwire).
 * @example if (abortKind(ctx.signal) === "stop") await ctx.send("Stopped.");
 */
export const abortKind = (signal: AbortSignal): AbortKind | undefined =>
  signal.aborted && signal.reason instanceof TaskAborted ? signal.reason.kind : undefined;
