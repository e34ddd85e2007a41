// One chat message on the page: author, Markdown content (streamed or whole), elements, action buttons, feedback.
// Only the content is HTML (markdown.ts); everything else the server sends goes in as text or a checked URL.
import type { ActionView, MessageView, StopReason } from "../../lib/protocol/index.ts";
import { h } from "./dom.ts";
import { elementViews } from "./elements.ts";
import { FeedbackBox, type SendFeedback } from "./feedback.ts";
import { renderMarkdown } from "./markdown.ts";

/** What a message's buttons do: call the action (or answer an ask with it), and send feedback. A pressed button
 * stays disabled until `release` is called (its task ended) or the app updates the message. */
export interface MessageControls {
  readonly action: (action: ActionView, release: () => void) => void;
  /** Absent: no feedback controls (user messages, asks). */
  readonly feedback?: SendFeedback;
  /** Present on the user's own messages: puts the message back into the composer to edit it. */
  readonly edit?: () => void;
  /** Present on the user's own messages when signed in: marks it as a favorite (true) or unmarks it. */
  readonly favorite?: (favorite: boolean) => void;
}

/** What the "stopped" marker's tooltip says for each reason. */
const STOP_TITLES: Record<StopReason, string> = {
  user: "Stopped by you",
  superseded: "Stopped by a newer message",
  timeout: "Stopped: it took too long",
  node_lost: "Stopped: the server running it was lost",
  shutdown: "Stopped: the server restarted",
  error: "Stopped by an error",
  disconnect: "Stopped: the connection was lost",
};

/** A rendered message. Children (steps or messages under it) go into `children`. */
export class MessageElement {
  readonly root: HTMLElement;
  readonly children = h("div", { class: "children" });
  readonly feedback: FeedbackBox | undefined;
  readonly #author = h("div", { class: "author" });
  readonly #content = h("div", { class: "content markdown" });
  readonly #elements = h("div", { class: "elements" });
  readonly #actions = h("div", { class: "actions" });
  /** "stopped" under an answer that was cut (its content is the partial answer); the reason is in the title. */
  readonly #stopped = h("div", { class: "stopped", hidden: true }, "stopped");
  /** "recovered" on an answer that went on after the server running it was lost (a durable turn, recovered). */
  readonly #recovered = h(
    "div",
    { class: "recovered", hidden: true, title: "This answer went on after the server writing it was lost" },
    "recovered",
  );
  /** The star of a user's message (controls.favorite); pressed while it is a favorite. */
  readonly #star: HTMLButtonElement | undefined;
  #text = "";
  #renderQueued = false;
  #disabled = false;

  private readonly controls: MessageControls;
  private readonly around: (change: () => void) => void;

  /** `around` wraps every change of the message's size (Conversation keeps the log scrolled to the end with it),
   * including the renders deferred to the next frame while streaming. */
  constructor(
    view: MessageView,
    controls: MessageControls,
    around: (change: () => void) => void = (change) => change(),
  ) {
    this.controls = controls;
    this.around = around;
    this.feedback = controls.feedback === undefined ? undefined : new FeedbackBox(controls.feedback);
    const edit = controls.edit;
    const editButton =
      edit === undefined
        ? undefined
        : h("button", { type: "button", class: "edit", title: "Edit this message" }, "Edit");
    editButton?.addEventListener("click", () => edit?.());
    const favorite = controls.favorite;
    this.#star =
      favorite === undefined
        ? undefined
        : h("button", { type: "button", class: "star", "aria-label": "Favorite", "aria-pressed": "false" }, "☆");
    const star = this.#star;
    star?.addEventListener("click", () => favorite?.(star.getAttribute("aria-pressed") !== "true"));
    this.root = h(
      "article",
      { class: `message ${view.role}`, "data-id": view.id },
      this.#author,
      this.#content,
      this.#stopped,
      this.#recovered,
      this.#elements,
      this.#actions,
      this.children,
      this.feedback?.root,
      editButton,
      this.#star,
    );
    this.update(view);
  }

  /** Replaces author, content, elements and actions (message_update, stream_start, message_new). */
  update(view: MessageView): void {
    this.#author.textContent = view.author;
    this.#text = view.content;
    renderMarkdown(this.#content, this.#text);
    this.#elements.replaceChildren(...elementViews(view.elements));
    this.#actions.replaceChildren(...view.actions.map((action) => this.#button(action)));
    this.#markStopped(view.stopped);
    this.#recovered.hidden = view.recovered !== true;
  }

  /** Shows whether the message is one of the user's favorites (the client's `message.favorite`). */
  starred(favorite: boolean): void {
    if (this.#star === undefined) return;
    this.#star.setAttribute("aria-pressed", String(favorite));
    this.#star.textContent = favorite ? "★" : "☆";
    this.#star.title = favorite ? "Remove from favorites" : "Add to favorites";
  }

  /** Appends streamed text; Markdown is re-rendered at most once a frame. */
  appendToken(token: string): void {
    this.#text += token;
    this.root.classList.add("streaming");
    if (this.#renderQueued) return;
    this.#renderQueued = true;
    requestAnimationFrame(() => {
      this.#renderQueued = false;
      this.around(() => renderMarkdown(this.#content, this.#text));
    });
  }

  /** The stream is over; `content` is the final text, cut short when `stopped` says why. */
  endStream(content: string, stopped?: StopReason): void {
    this.#text = content;
    this.root.classList.remove("streaming");
    renderMarkdown(this.#content, content);
    this.#markStopped(stopped);
  }

  #markStopped(reason: StopReason | undefined): void {
    this.#stopped.hidden = reason === undefined;
    this.#stopped.title = reason === undefined ? "" : STOP_TITLES[reason];
    this.root.classList.toggle("stopped", reason !== undefined);
  }

  /** No more clicks: the ask was answered, or the session this message belongs to is gone. */
  disable(): void {
    this.#disabled = true;
    for (const button of this.root.querySelectorAll(":scope > .actions button, :scope > .edit, :scope > .star")) {
      (button as HTMLButtonElement).disabled = true;
    }
    this.feedback?.disable();
  }

  #button(action: ActionView): HTMLButtonElement {
    const button = h(
      "button",
      { type: "button", class: "action", title: action.tooltip, "data-action": action.name, disabled: this.#disabled },
      action.label,
    );
    button.addEventListener("click", () => {
      button.disabled = true; // one press at a time: pressable again once its task is over
      // A button that the app replaced (update, removeAction) or removed with its message stays as the app left it.
      const release = () => {
        if (!this.#disabled && button.isConnected) button.disabled = false;
      };
      this.controls.action(action, release);
    });
    return button;
  }
}
