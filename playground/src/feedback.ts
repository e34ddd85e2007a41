// Thumbs up/down under an assistant message, with an optional comment; a second send updates the same feedback.
import { h } from "./dom.ts";
import { icon } from "./icons.ts";

/** Sends feedback on the message and returns the frame's id (its `feedback_saved` will name it). */
export type SendFeedback = (value: 0 | 1, comment: string | undefined) => string;

/** The feedback controls of one message. */
export class FeedbackBox {
  readonly root: HTMLElement;
  #value: 0 | 1 | undefined;
  readonly #up = h(
    "button",
    { type: "button", class: "thumb", "aria-label": "Helpful", "aria-pressed": "false" },
    icon("up"),
  );
  readonly #down = h(
    "button",
    { type: "button", class: "thumb", "aria-label": "Not helpful", "aria-pressed": "false" },
    icon("down"),
  );
  readonly #comment = h("input", {
    class: "comment-input",
    placeholder: "Add a comment (optional)",
    "aria-label": "Feedback comment",
  });
  readonly #form = h(
    "form",
    { class: "comment", hidden: true },
    this.#comment,
    h("button", { type: "submit" }, "Send"),
  );
  readonly #status = h("span", { class: "feedback-status", role: "status" });

  private readonly send: SendFeedback;

  constructor(send: SendFeedback) {
    this.send = send;
    this.root = h("div", { class: "feedback" }, this.#up, this.#down, this.#form, this.#status);
    this.#up.addEventListener("click", () => this.#give(1));
    this.#down.addEventListener("click", () => this.#give(0));
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      const comment = this.#comment.value.trim();
      if (this.#value === undefined || comment === "") return;
      this.#status.textContent = "sending…";
      this.send(this.#value, comment);
      this.#form.hidden = true;
    });
  }

  /** The server recorded it. */
  saved(): void {
    this.#status.textContent = "Feedback saved";
  }

  /** The conversation this message belongs to is over: feedback can no longer be given. */
  disable(): void {
    for (const button of [this.#up, this.#down]) button.disabled = true;
    this.#form.hidden = true;
  }

  #give(value: 0 | 1): void {
    this.#value = value;
    this.#up.setAttribute("aria-pressed", String(value === 1));
    this.#down.setAttribute("aria-pressed", String(value === 0));
    this.#status.textContent = "sending…";
    this.send(value, undefined);
    this.#form.hidden = false;
  }
}
