// The input row: Enter sends, Shift+Enter adds a line; the stop button shows while a task runs.
import { byId } from "./dom.ts";

/** The composer's controls, wired to the page. */
export class Composer {
  readonly #form = byId<HTMLFormElement>("composer");
  readonly #input = byId<HTMLTextAreaElement>("input");
  readonly #stop = byId<HTMLButtonElement>("stop");
  readonly #busy = byId("busy");
  readonly #placeholder = this.#input.placeholder;

  constructor(submit: (text: string) => void, stop: () => void) {
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = this.#input.value;
      if (text.trim() === "") return;
      this.#input.value = "";
      this.#fit();
      submit(text);
    });
    this.#input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.#form.requestSubmit();
      }
    });
    this.#input.addEventListener("input", () => this.#fit());
    this.#stop.addEventListener("click", stop);
    this.#input.focus();
  }

  /** Shows the busy indicator and the stop button while tasks run. */
  busy(running: boolean): void {
    this.#busy.hidden = !running;
    this.#stop.hidden = !running;
  }

  /** Puts `text` in the input to be edited, and says so. */
  editing(text: string | undefined): void {
    if (text !== undefined) {
      this.#input.value = text;
      this.#fit();
      this.#input.focus();
    }
    this.#form.classList.toggle("editing", text !== undefined);
  }

  /** Puts `text` in the input (a favorite chosen), to be sent as it is or changed first. */
  fill(text: string): void {
    this.#input.value = text;
    this.#fit();
    this.#input.focus();
  }

  /** Says that the next text answers a question (or restores the normal placeholder). */
  answering(question: string | undefined): void {
    this.#input.placeholder = question === undefined ? this.#placeholder : `Your answer: ${question}`;
    this.#form.classList.toggle("answering", question !== undefined);
  }

  // The textarea grows with its text, up to a few lines (CSS caps it).
  #fit(): void {
    this.#input.style.height = "auto";
    this.#input.style.height = `${this.#input.scrollHeight}px`;
  }
}
