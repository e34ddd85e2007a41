// Who may read a shared thread: its author always; anyone else (signed in or not) only when the app's
// `onSharedThreadView` says true, within `shareViewTimeoutMs`. Shared by chatwire's share route and the Chainlit
// adapter's.
import type { FastifyBaseLogger, FastifyReply } from "fastify";
import { clientThread, type LoadedThread } from "../data/layer.ts";
import { ChatwireError, isChatwireError } from "../errors.ts";
import type { SharedThreadViewHook } from "../hooks/table.ts";
import type { User } from "../protocol/views.ts";

/** What deciding on a viewer needs beside the thread and the viewer. */
export interface ShareAccess {
  /** The app's `onSharedThreadView` now (a reload may change it); undefined: only the author may read a share. */
  readonly hook: SharedThreadViewHook | undefined;
  /** How long the hook may take before SHARE_VIEW_TIMEOUT; 0: no limit. */
  readonly timeoutMs: number;
  readonly log: FastifyBaseLogger;
}

/**
 * Whether `viewer` (undefined: anonymous) may read `thread`, which its author shares. A hook that throws refuses; one
 * that has not answered within `timeoutMs` rejects with SHARE_VIEW_TIMEOUT (its late answer is ignored).
 * @example if (!(await mayViewShared(thread, viewer, { hook, timeoutMs: 10_000, log: request.log }))) return notFound(reply);
 */
export async function mayViewShared(
  thread: LoadedThread,
  viewer: User | undefined,
  { hook, timeoutMs, log }: ShareAccess,
): Promise<boolean> {
  if (viewer !== undefined && viewer.identifier === thread.userIdentifier) return true;
  if (hook === undefined) return false;
  let timer: NodeJS.Timeout | undefined;
  const verdict = Promise.resolve().then(() => hook(clientThread(thread), viewer));
  const late = new Promise<never>((_, reject) => {
    if (timeoutMs === 0) return;
    timer = setTimeout(() => {
      reject(new ChatwireError("SHARE_VIEW_TIMEOUT", `onSharedThreadView did not answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    return (await Promise.race([verdict, late])) === true;
  } catch (error) {
    if (isChatwireError(error, "SHARE_VIEW_TIMEOUT")) {
      log.error({ timeoutMs }, "onSharedThreadView did not answer in time: the share request fails");
      throw error;
    }
    log.error({ err: error }, "onSharedThreadView failed: the share is refused");
    return false;
  } finally {
    clearTimeout(timer);
  }
}

/** Sends the 503 of a hook that did not answer in time and returns true; false for any other error. */
export function replyTimedOut(reply: FastifyReply, error: unknown, messageKey: "message" | "detail"): boolean {
  if (!isChatwireError(error, "SHARE_VIEW_TIMEOUT")) return false;
  void reply.code(503).send({ code: error.code, [messageKey]: error.message });
  return true;
}
