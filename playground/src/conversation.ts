// The conversation log: messages and steps by id, each placed under its parent (a step or a message) if shown.
import type { HistoryEntry, MessageView, StepView } from "../../lib/protocol/index.ts";
import { byId, h } from "./dom.ts";
import { type MessageControls, MessageElement } from "./message.ts";
import { StepElement } from "./step.ts";

type Entry = MessageElement | StepElement;

/** The log of one page; it outlives sessions (a new session adds a divider and disables older buttons). */
export class Conversation {
  readonly #log = byId("log");
  readonly #entries = new Map<string, Entry>();

  /** Shows a message (message_new, stream_start, ask) or updates it if already shown. */
  message(view: MessageView, controls: MessageControls): MessageElement {
    const existing = this.#entries.get(view.id);
    if (existing instanceof MessageElement) {
      this.#keepingScroll(() => existing.update(view));
      return existing;
    }
    const element = new MessageElement(view, controls, (change) => this.#keepingScroll(change));
    this.#place(view.id, element, view.parentId);
    return element;
  }

  /** The shown message with `id`, if any. */
  get(id: string): MessageElement | undefined {
    const entry = this.#entries.get(id);
    return entry instanceof MessageElement ? entry : undefined;
  }

  /** Shows or updates a step. */
  step(view: StepView): void {
    const existing = this.#entries.get(view.id);
    if (existing instanceof StepElement) existing.update(view);
    else this.#place(view.id, new StepElement(view), view.parentId);
  }

  /** Changes a message in place, keeping the view scrolled to the end if it was. */
  change(id: string, change: (message: MessageElement) => void): void {
    const message = this.get(id);
    if (message !== undefined) this.#keepingScroll(() => change(message));
  }

  remove(id: string): void {
    this.#entries.get(id)?.root.remove();
    this.#entries.delete(id);
  }

  /** Renders a reopened thread's history (thread_history) in order. */
  history(entries: readonly HistoryEntry[], controls: (view: MessageView) => MessageControls): void {
    for (const entry of entries) {
      if (entry.kind === "step") this.step(entry);
      else this.message(entry, controls(entry));
    }
  }

  /** Empties the log: another conversation takes its place (a reopened thread's history follows). */
  clear(): void {
    this.#entries.clear();
    this.#log.replaceChildren();
  }

  /** Marks the start of a new session: older buttons refer to a session that is gone. */
  divider(text: string): void {
    for (const entry of this.#entries.values()) if (entry instanceof MessageElement) entry.disable();
    this.#entries.clear();
    this.#keepingScroll(() => this.#log.append(h("div", { class: "divider", role: "separator" }, text)));
  }

  #place(id: string, element: Entry, parentId: string | undefined): void {
    this.#entries.set(id, element);
    const parent = parentId === undefined ? undefined : this.#entries.get(parentId);
    this.#keepingScroll(() => (parent?.children ?? this.#log).append(element.root));
  }

  /** Runs `change`, then scrolls to the end if the log was there before it (the user was not reading back). */
  #keepingScroll(change: () => void): void {
    const log = this.#log;
    const atEnd = log.scrollHeight - log.scrollTop - log.clientHeight < 48;
    change();
    if (atEnd) log.scrollTop = log.scrollHeight;
  }
}
