// The conversation's log as a client keeps it: messages and steps by id, nested by parentId, in the order they
// first came, with dividers where a lost session's log ends. ConversationState (state.ts) decides what goes in;
// this keeps the tree and gives it back as snapshot parts, reusing every node under which nothing changed.
import type { ElementView, FeedbackView, HistoryEntry, MessageView, StepView } from "../protocol/index.ts";
import type { SessionStart } from "./connection.ts";
import type { ChatDivider, ChatElement, ChatFeedback, ChatMessage, ChatNode, ChatStep } from "./snapshot.ts";

type Entry =
  | { readonly kind: "message"; value: ChatMessage; readonly children: string[]; readonly parent?: string }
  | { readonly kind: "step"; value: ChatStep; readonly children: string[]; readonly parent?: string }
  | { readonly kind: "divider"; value: ChatDivider; readonly children: string[]; readonly parent?: undefined };

/** Stored feedback, as a history entry carries it, in the snapshot's form. */
const saved = (feedback: FeedbackView | undefined): ChatFeedback | undefined =>
  feedback === undefined
    ? undefined
    : {
        value: feedback.value,
        state: "saved",
        id: feedback.id,
        ...(feedback.comment === undefined ? {} : { comment: feedback.comment }),
      };

/** The messages and steps of one client's conversation. */
export class ConversationLog {
  #entries = new Map<string, Entry>();
  #roots: string[] = [];
  #messageOrder: string[] = [];
  #dividers = 0;
  /** Tree nodes of the last snapshot, by id: reused when nothing under them changed. */
  #nodes = new Map<string, ChatNode>();

  /** Empties the log. */
  clear(): void {
    this.#entries.clear();
    this.#roots = [];
    this.#messageOrder = [];
  }

  message(id: string): ChatMessage | undefined {
    const entry = this.#entries.get(id);
    return entry?.kind === "message" ? entry.value : undefined;
  }

  /** A thread_history entry, with its stored feedback. */
  history(entry: HistoryEntry): void {
    if (entry.kind === "step") {
      const { kind: _, feedback, ...step } = entry;
      this.upsertStep(step, saved(feedback));
    } else {
      const { kind: _, feedback, ...message } = entry;
      const extra = saved(feedback);
      this.upsertMessage(message, extra ? { feedback: extra } : {});
    }
  }

  /** A new message, or a new version of one: what only the client knows of it (streaming, live, local, feedback,
   * its ask) is kept unless `extra` says otherwise. */
  upsertMessage(view: MessageView, extra: Partial<ChatMessage> = {}): void {
    const existing = this.#entries.get(view.id);
    if (existing?.kind === "message") {
      const { streaming, live, local, feedback, ask } = existing.value;
      const kept = {
        streaming,
        live,
        ...(local ? { local } : {}),
        ...(feedback ? { feedback } : {}),
        ...(ask ? { ask } : {}),
      };
      existing.value = { ...view, ...kept, ...extra };
      return;
    }
    this.#place(
      view.id,
      { kind: "message", value: { ...view, streaming: false, live: true, ...extra }, children: [] },
      view.parentId,
    );
    this.#messageOrder.push(view.id);
  }

  upsertStep(view: StepView, feedback?: ChatFeedback): void {
    const existing = this.#entries.get(view.id);
    if (existing?.kind === "step") {
      const kept = feedback ?? existing.value.feedback;
      existing.value = kept ? { ...view, feedback: kept } : view;
      return;
    }
    this.#place(view.id, { kind: "step", value: feedback ? { ...view, feedback } : view, children: [] }, view.parentId);
  }

  changeMessage(id: string, change: (message: ChatMessage) => ChatMessage): void {
    const entry = this.#entries.get(id);
    if (entry?.kind === "message") entry.value = change(entry.value);
  }

  changeStep(id: string, change: (step: ChatStep) => ChatStep): void {
    const entry = this.#entries.get(id);
    if (entry?.kind === "step") entry.value = change(entry.value);
  }

  /** Sets the feedback on a message or step; false when there is no such message or step. */
  changeFeedback(forId: string, feedback: ChatFeedback | ((old: ChatFeedback) => ChatFeedback)): boolean {
    const entry = this.#entries.get(forId);
    if (entry === undefined || entry.kind === "divider") return false;
    const old = entry.value.feedback ?? { value: null, state: "sending" };
    const value = typeof feedback === "function" ? feedback(old) : feedback;
    if (entry.kind === "message") entry.value = { ...entry.value, feedback: value };
    else entry.value = { ...entry.value, feedback: value };
    return true;
  }

  markFavorite(messageId: string, favorite: boolean): void {
    const entry = this.#entries.get(messageId);
    if (entry?.kind !== "message" || (entry.value.favorite === true) === favorite) return;
    const { favorite: _old, ...message } = entry.value;
    entry.value = favorite ? { ...message, favorite: true } : message;
  }

  /** Adds or replaces (in place) an element of message `forId`. */
  putElement(forId: string, element: ElementView): void {
    this.changeMessage(forId, (message) => {
      const others = (message.elements ?? []).filter((old) => old.id !== element.id);
      const at = (message.elements ?? []).findIndex((old) => old.id === element.id);
      const elements = at < 0 ? [...others, element] : others.toSpliced(at, 0, element);
      return { ...message, elements };
    });
  }

  removeElements(ids: readonly string[]): void {
    const gone = new Set(ids);
    for (const entry of this.#entries.values()) {
      if (entry.kind === "message" && entry.value.elements?.some((element) => gone.has(element.id))) {
        const elements = entry.value.elements.filter((element) => !gone.has(element.id));
        entry.value = { ...entry.value, elements };
      }
    }
  }

  /** The id of the message an ask showed. */
  askMessage(askId: string): string | undefined {
    for (const id of this.#messageOrder) {
      const entry = this.#entries.get(id);
      if (entry?.kind === "message" && entry.value.ask?.askId === askId) return id;
    }
    return undefined;
  }

  /** Removes a message or step with everything nested under it. */
  remove(id: string): void {
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    const parent = entry.parent === undefined ? undefined : this.#entries.get(entry.parent);
    if (parent !== undefined) parent.children.splice(parent.children.indexOf(id), 1);
    else this.#roots = this.#roots.filter((root) => root !== id);
    const gone = new Set<string>();
    const forget = (at: string) => {
      gone.add(at);
      for (const child of this.#entries.get(at)?.children ?? []) forget(child);
      this.#entries.delete(at);
    };
    forget(id);
    this.#messageOrder = this.#messageOrder.filter((message) => !gone.has(message));
  }

  /** Removes everything at the top level after `id` (an edit replaces what followed the edited message). */
  removeAfter(id: string): void {
    const at = this.#roots.indexOf(id);
    if (at >= 0) for (const later of this.#roots.slice(at + 1)) this.remove(later);
  }

  /** A lost session's log stays, inert, above a divider; the new conversation goes on below it. */
  divide(lost: SessionStart["lost"]): void {
    for (const entry of this.#entries.values()) {
      if (entry.kind === "message" && entry.value.live) entry.value = { ...entry.value, live: false };
    }
    const id = `divider-${++this.#dividers}`;
    this.#entries.set(id, { kind: "divider", value: lost ? { id, lost } : { id }, children: [] });
    this.#roots.push(id);
  }

  /** The messages in the order they came, and their elements. */
  messages(): { messages: ChatMessage[]; elements: ChatElement[] } {
    const messages: ChatMessage[] = [];
    const elements: ChatElement[] = [];
    for (const id of this.#messageOrder) {
      const entry = this.#entries.get(id);
      if (entry?.kind !== "message") continue;
      messages.push(entry.value);
      for (const element of entry.value.elements ?? []) elements.push({ ...element, messageId: id });
    }
    return { messages, elements };
  }

  /** The tree, reusing each node of the last one whose value and children are the same objects as before. */
  tree(): ChatNode[] {
    const nodes = new Map<string, ChatNode>();
    const node = (id: string): ChatNode | undefined => {
      const entry = this.#entries.get(id);
      if (entry === undefined) return undefined;
      const children = entry.children.map(node).filter((child) => child !== undefined);
      const old = this.#nodes.get(id);
      const same =
        old !== undefined &&
        nodeValue(old) === entry.value &&
        old.children.length === children.length &&
        children.every((child, index) => child === old.children[index]);
      const made = same ? old : nodeOf(entry, id, children);
      nodes.set(id, made);
      return made;
    };
    const tree = this.#roots.map(node).filter((root) => root !== undefined);
    this.#nodes = nodes;
    return tree;
  }

  #place(id: string, entry: Entry, parentId: string | undefined): void {
    const parent = parentId === undefined ? undefined : this.#entries.get(parentId);
    const placed = parent === undefined || parent.kind === "divider" ? entry : { ...entry, parent: parentId };
    this.#entries.set(id, placed as Entry);
    if (placed.parent !== undefined && parent !== undefined) parent.children.push(id);
    else this.#roots.push(id);
  }
}

const nodeValue = (node: ChatNode): unknown =>
  node.kind === "message" ? node.message : node.kind === "step" ? node.step : node.divider;

function nodeOf(entry: Entry, id: string, children: ChatNode[]): ChatNode {
  if (entry.kind === "message") return { kind: "message", id, message: entry.value, children };
  if (entry.kind === "step") return { kind: "step", id, step: entry.value, children };
  return { kind: "divider", id, divider: entry.value, children: [] };
}
