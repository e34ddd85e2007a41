// `hello.view`: a read-only viewer of a shared thread, for whoever may read the share (its author; others as the
// app's `onSharedThreadView` decides, as for `GET /shared/:shareId`). Refused the same way whatever the cause
// (THREAD_NOT_FOUND, close 4403): a share id reveals nothing about whether it ever worked.

import type { ClusterNode } from "../cluster/cluster.ts";
import { FILE_URL_TTL_MS } from "../context/files.ts";
import { refreshFileUrls } from "../data/file-signer.ts";
import { PRIVATE_METADATA_KEY, sharedView } from "../data/shared-view.ts";
import { isChatwireError } from "../errors.ts";
import type { ViewRequest } from "../protocol/client.ts";
import { PROTOCOL_VERSION } from "../protocol/constants.ts";
import type { Session } from "../session/session.ts";
import { createViewer } from "../session/viewer-session.ts";
import { type GatewayScope, type HandshakeConnection, placeOnNode } from "./hello-scope.ts";
import { mayViewShared } from "./share-access.ts";

/** What of the gateway a viewer needs (a handshake's ConnectionScope has it all). */
export interface ViewerScope<S extends object> extends GatewayScope<S> {
  /** This node's part in a cluster, when the gateway runs in one. */
  readonly cluster?: ClusterNode | undefined;
}

/** Close code of a `hello.view` that may not view (no such share, not shared, or not for this user). */
export const VIEW_REFUSED = 4403;

/** Element ids a thread's metadata lists as private (shared-view.ts), left out of a viewer's live frames too. */
function privateIds(metadata: Record<string, unknown>): Set<string> {
  const listed = metadata[PRIVATE_METADATA_KEY];
  return new Set(Array.isArray(listed) ? listed.filter((id): id is string => typeof id === "string") : []);
}

/** Opens a viewer of the share `request` names, welcomed with `view: true`; undefined when refused (told, closed). */
export async function openViewer<S extends object>(
  request: ViewRequest,
  connection: HandshakeConnection,
  scope: ViewerScope<S>,
): Promise<Session | undefined> {
  const { persistence, registry, options, log } = scope;
  const { user } = connection;
  const refuse = () => {
    connection.error("THREAD_NOT_FOUND", "no such shared thread (or not one you may view)");
    connection.close(VIEW_REFUSED, "view refused");
    return undefined;
  };
  const thread = persistence === undefined ? undefined : await persistence.layer.getSharedThread(request.shareId);
  if (thread === undefined) return refuse();
  const access = { hook: scope.hooks.table.onSharedThreadView, timeoutMs: options.shareViewTimeoutMs, log };
  try {
    if (!(await mayViewShared(thread, user, access))) return refuse();
  } catch (error) {
    if (!isChatwireError(error, "SHARE_VIEW_TIMEOUT")) throw error;
    connection.error("SHARE_VIEW_TIMEOUT", error.message);
    connection.close(1011, "share view timed out");
    return undefined;
  }
  const place = placeOnNode(scope, connection);
  if (place === undefined) return undefined;
  try {
    if (!connection.open) return undefined;
    const shown = refreshFileUrls(thread, scope.files.signer, Date.now() + FILE_URL_TTL_MS);
    const viewer = createViewer({
      threadId: thread.id,
      user,
      limits: options,
      viewers: registry.viewers,
      shared: sharedView(shown),
      hidden: privateIds(thread.metadata),
      registry,
    });
    registry.add(viewer);
    place.release();
    // Listed before the welcome, as any session: its resume may land on another node, and nodes running the
    // thread's turns find the nodes that follow it in the directory.
    await scope.cluster?.listed(viewer.id);
    await scope.cluster?.watchThread(viewer.threadId);
    connection.send({
      seq: 0,
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      sessionId: viewer.id,
      resumeToken: viewer.resumeToken,
      threadId: viewer.threadId,
      resumed: false,
      lastSeq: 0,
      view: true,
      ...(user === undefined ? {} : { user }),
    });
    viewer.attach(connection.sink, 0);
    viewer.start();
    return viewer;
  } finally {
    place.release();
  }
}
