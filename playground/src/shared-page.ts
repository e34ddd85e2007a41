// `?share=<id>`: a thread someone shared, read-only. No composer: the thread comes from GET /shared/:shareId and is
// drawn by the same log as a live conversation, every message disabled; then a viewer socket (`hello.view`) keeps
// it live, the author's turns drawn as they stream.
import { type ChatNode, connect } from "../../lib/client/index.ts";
import { ConversationState } from "../../lib/client/state.ts";
import type { SharedThread } from "../../lib/protocol/index.ts";
import { callApi } from "./api.ts";
import { Conversation } from "./conversation.ts";
import { byId, h } from "./dom.ts";

/** Nodes with every message marked as past (not live): the log draws them without working controls. */
const readOnly = (nodes: readonly ChatNode[]): ChatNode[] =>
  nodes.map((node): ChatNode => {
    if (node.kind === "divider") return node;
    const children = readOnly(node.children);
    return node.kind === "message"
      ? { ...node, message: { ...node.message, live: false }, children }
      : { ...node, children };
  });

/** What the page says of a link it may not read: the server never says why (no existence oracle). */
export const LINK_REFUSED = "This link does not work: the conversation is not shared, or not with you.";

/**
 * Shows the shared thread `shareId` on the page; false if the server refused it (unknown, unshared, not allowed).
 * @example if (!(await showSharedThread(api, "Xy…"))) signIn.ask("Sign in to read this conversation.");
 */
export async function showSharedThread(api: string, shareId: string, gateway?: string): Promise<boolean> {
  const app = byId("app");
  app.dataset.mode = "shared";
  byId("link").hidden = true;
  const title = byId("title");
  const { status, body } = await callApi(api, `shared/${encodeURIComponent(shareId)}`);
  if (status !== 200) {
    title.textContent = "Shared conversation";
    byId("log").replaceChildren(h("p", { class: "shared-missing" }, LINK_REFUSED));
    return false;
  }
  const thread = body as SharedThread;
  title.textContent = thread.name ?? "Shared conversation";
  byId("shared-badge").hidden = false;
  const state = new ConversationState();
  state.apply({ type: "thread_history", seq: 1, threadId: shareId, steps: thread.steps });
  byId("log").replaceChildren();
  const log = new Conversation({ controls: () => ({ action: () => undefined }), divider: "" });
  log.render(readOnly(state.snapshot().tree));
  if (gateway !== undefined) follow(gateway, api, shareId, log);
  return true;
}

/** Follows the share live: the viewer's snapshot (its history, then the author's turns) replaces the page's. A
 * viewer the server refuses (4403) leaves the page as it was read. */
function follow(gateway: string, api: string, shareId: string, log: Conversation): void {
  const viewer = connect(gateway, { api, view: shareId });
  let queued = false;
  viewer.subscribe(() => {
    if (queued) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      const snapshot = viewer.getSnapshot();
      if (snapshot.session?.view === true && snapshot.messages.length > 0) log.render(readOnly(snapshot.tree));
    });
  });
  addEventListener("pagehide", () => viewer.close());
}
