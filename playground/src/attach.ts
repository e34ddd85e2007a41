// The attach button: files picked (or dropped on the composer) are uploaded at once with the session's ticket; their
// ids go with the next message, or answer the open file ask. Names are shown as text only.
import type { ChatClient, PendingAsk } from "../../lib/client/index.ts";
import { byId } from "./dom.ts";

/** The composer's attachments, wired to the page. */
export class Attachments {
  readonly #input = byId<HTMLInputElement>("attach-input");
  readonly #button = byId<HTMLButtonElement>("attach");
  readonly #list = byId("attached");
  #ids: string[] = [];
  #names: string[] = [];

  private readonly client: () => ChatClient | undefined;
  private readonly notify: (text: string) => void;

  constructor(client: () => ChatClient | undefined, notify: (text: string) => void) {
    this.client = client;
    this.notify = notify;
    this.#button.addEventListener("click", () => this.#input.click());
    this.#input.addEventListener("change", () => {
      void this.#add([...(this.#input.files ?? [])]);
      this.#input.value = "";
    });
    const form = byId("composer");
    form.addEventListener("dragover", (event) => event.preventDefault());
    form.addEventListener("drop", (event) => {
      event.preventDefault();
      void this.#add([...(event.dataTransfer?.files ?? [])]);
    });
  }

  /** The open file ask, if any: the picker then takes its types. */
  asking(ask: PendingAsk | undefined): void {
    this.#input.accept = ask?.files?.accept.join(",") ?? "";
    this.#button.classList.toggle("asked", ask !== undefined);
  }

  /** The ids attached so far; cleared. */
  take(): string[] {
    const ids = this.#ids;
    this.#ids = [];
    this.#names = [];
    this.#list.textContent = "";
    return ids;
  }

  async #add(files: readonly File[]): Promise<void> {
    const chat = this.client();
    if (chat === undefined) return;
    for (const file of files) {
      this.#list.textContent = `uploading ${file.name}…`;
      try {
        const uploaded = await chat.upload(file, file.name);
        this.#ids.push(uploaded.id);
        this.#names.push(uploaded.name);
      } catch (error) {
        this.notify(`${file.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    this.#list.textContent = this.#names.join(", ");
    const ask = chat.getSnapshot().asks.find((open) => open.kind === "file");
    if (ask !== undefined && this.#ids.length > 0) chat.answerAsk(ask.askId, { files: this.take() });
  }
}
