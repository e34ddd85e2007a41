// How a live session tells of a failure: the client gets an error frame it can act on, the app's onError hears of
// a handler's failure. A command refused as the client's mistake is only reported (session-commands.ts).
import { ChatwireError } from "../errors.ts";
import type { LiveParts } from "./live-parts.ts";

/** The client's error frame about a failure: a ChatwireError's own code, else HANDLER_FAILED with a fixed text. */
export function reportFailure<S extends object>(
  session: LiveParts<S>,
  hook: string,
  error: unknown,
  replyTo: string | undefined,
): void {
  if (error instanceof ChatwireError) {
    session.emitError(error.code, error.message, replyTo);
    return;
  }
  session.parts.log.error({ err: error, sessionId: session.id, hook }, `${hook} failed`);
  session.emitError("HANDLER_FAILED", `${hook} failed`, replyTo);
}

/** Runs the app's onError beside everything (like onStop); its own failure is only logged, never reported again. */
export function tellApp<S extends object>(session: LiveParts<S>, hook: string, error: unknown): void {
  const onError = session.hooks.onError;
  if (onError === undefined || session.closed) return;
  Promise.resolve()
    .then(() => onError(session.events.context, error, hook))
    .catch((failure: unknown) => {
      session.parts.log.error({ err: failure, sessionId: session.id, hook: "onError" }, "onError failed");
    });
}
