// Who may read a shared thread: its author always; anyone else (signed in or not) only when the app's
// `onSharedThreadView` says true. Shared by chatwire's share route and the Chainlit adapter's.
import type { FastifyBaseLogger } from "fastify";
import { clientThread, type LoadedThread } from "../data/layer.ts";
import type { SharedThreadViewHook } from "../hooks/table.ts";
import type { User } from "../protocol/views.ts";

/**
 * Whether `viewer` (undefined: anonymous) may read `thread`, which its author shares. A hook that throws refuses.
 * @example if (!(await mayViewShared(thread, viewer, table.onSharedThreadView, request.log))) return notFound(reply);
 */
export async function mayViewShared(
  thread: LoadedThread,
  viewer: User | undefined,
  hook: SharedThreadViewHook | undefined,
  log: FastifyBaseLogger,
): Promise<boolean> {
  if (viewer !== undefined && viewer.identifier === thread.userIdentifier) return true;
  if (hook === undefined) return false;
  try {
    return (await hook(clientThread(thread), viewer)) === true;
  } catch (error) {
    log.error({ err: error }, "onSharedThreadView failed: the share is refused");
    return false;
  }
}
