// The conversation log drawn from chatwire/client's snapshot tree: one element per message, step or divider, kept
// by id and changed only where the snapshot's values changed (they are immutable: a new object means a change).
import type { ChatMessage, ChatNode } from "../../lib/client/index.ts";
import { byId, h } from "./dom.ts";
import { type MessageControls, MessageElement } from "./message.ts";
import { StepElement } from "./step.ts";

type Shown =
  | { readonly kind: "message"; node: ChatNode & { kind: "message" }; readonly element: MessageElement }
  | { readonly kind: "step"; node: ChatNode & { kind: "step" }; readonly element: StepElement }
  | { readonly kind: "divider"; node: ChatNode; readonly element: { readonly root: HTMLElement } };

/** What the log needs from the page: controls for a message, the divider's text. */
export interface ConversationControls {
  controls(message: ChatMessage): MessageControls;
  divider: string;
}

/** The log of one page. */
export class Conversation {
  readonly #log = byId("log");
  #shown = new Map<string, Shown>();

  private readonly page: ConversationControls;

  constructor(page: ConversationControls) {
    this.page = page;
  }

  /** Brings the log in line with `tree`: new entries drawn, changed ones updated, missing ones removed. */
  render(tree: readonly ChatNode[]): void {
    const seen = new Set<string>();
    this.#keepingScroll(() => this.#level(tree, this.#log, seen));
    for (const [id, shown] of this.#shown) {
      if (seen.has(id)) continue;
      shown.element.root.remove();
      this.#shown.delete(id);
    }
  }

  /** The shown message with `id`, if any. */
  get(id: string): MessageElement | undefined {
    const shown = this.#shown.get(id);
    return shown?.kind === "message" ? shown.element : undefined;
  }

  #level(nodes: readonly ChatNode[], container: HTMLElement, seen: Set<string>): void {
    nodes.forEach((node, index) => {
      seen.add(node.id);
      const root = this.#entry(node, seen);
      // Entries keep the tree's order (a reopened thread's history replaces the log around entries it keeps).
      const at = container.children[index];
      if (at !== root) container.insertBefore(root, at ?? null);
    });
  }

  #entry(node: ChatNode, seen: Set<string>): HTMLElement {
    const shown = this.#shown.get(node.id);
    if (shown === undefined || shown.kind !== node.kind) {
      shown?.element.root.remove();
      const made = this.#make(node);
      this.#shown.set(node.id, made);
      if (made.kind !== "divider") this.#level(node.children, made.element.children, seen);
      return made.element.root;
    }
    if (shown.node !== node) {
      if (shown.kind === "message" && node.kind === "message") {
        updateMessage(shown.element, shown.node.message, node.message);
        shown.node = node;
      } else if (shown.kind === "step" && node.kind === "step") {
        if (shown.node.step !== node.step) shown.element.update(node.step);
        shown.node = node;
      }
    }
    if (shown.kind !== "divider") this.#level(node.children, shown.element.children, seen);
    else this.#markSeen(node, seen);
    return shown.element.root;
  }

  #markSeen(node: ChatNode, seen: Set<string>): void {
    seen.add(node.id);
    for (const child of node.children) this.#markSeen(child, seen);
  }

  #make(node: ChatNode): Shown {
    if (node.kind === "step") return { kind: "step", node, element: new StepElement(node.step) };
    if (node.kind === "divider") {
      const root = h("div", { class: "divider", role: "separator" }, this.page.divider);
      return { kind: "divider", node, element: { root } };
    }
    const { message } = node;
    const element = new MessageElement(message, this.page.controls(message), (change) => this.#keepingScroll(change));
    element.starred(message.favorite === true);
    if (message.streaming) element.root.classList.add("streaming");
    if (message.ask !== undefined) element.root.classList.add("ask");
    if (!message.live || message.ask?.open === false) element.disable();
    return { kind: "message", node, element };
  }

  /** Runs `change`, then scrolls to the end if the log was there before it (the user was not reading back). */
  #keepingScroll(change: () => void): void {
    const log = this.#log;
    const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    change();
    if (atEnd) log.scrollTop = log.scrollHeight;
  }
}

/** Applies the change from `before` to `after` to a drawn message, streaming tokens as appended text. */
function updateMessage(element: MessageElement, before: ChatMessage, after: ChatMessage): void {
  const whole = after.actions !== before.actions || after.author !== before.author;
  const streamEnded = before.streaming && !after.streaming;
  if (whole) element.update(after);
  else if (after.content !== before.content && !streamEnded) {
    if (after.streaming && after.content.startsWith(before.content))
      element.appendToken(after.content.slice(before.content.length));
    else element.update(after);
  }
  if (after.favorite !== before.favorite) element.starred(after.favorite === true);
  if (streamEnded) element.endStream(after.content, after.stopped);
  else if (after.streaming && !before.streaming) element.root.classList.add("streaming");
  if ((before.live && !after.live) || (before.ask?.open === true && after.ask?.open === false)) element.disable();
}
