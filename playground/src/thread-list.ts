// The sidebar of past conversations: newest first, searchable by name, paged with "More"; each can be reopened,
// renamed or deleted. It shows only when the server lists threads for this user (persistence and a user).
import { byId, h } from "./dom.ts";
import { Drawer } from "./drawer.ts";
import { icon } from "./icons.ts";
import { deleteThread, listThreads, renameThread, type ThreadRoutes, type ThreadSummary } from "./threads.ts";

/** What choosing in the list asks of the page. */
export interface ThreadChoices {
  /** Reopen a stored thread (a new session with `hello.thread`). */
  open(threadId: string): void;
  /** Start a new conversation. */
  fresh(): void;
}

const SEARCH_DELAY_MS = 250;
const LIST_RETRY_DELAYS_MS = [0, 300, 1000, 3000, 6000];
const dateOf = (iso: string) => new Date(iso).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });

/** The thread list of the signed-in user. */
export class ThreadList {
  readonly #aside = byId("threads");
  readonly #items = byId<HTMLUListElement>("thread-items");
  readonly #search = byId<HTMLInputElement>("thread-search");
  readonly #more = byId<HTMLButtonElement>("threads-more");
  readonly #empty = byId("threads-empty");
  readonly #drawer = new Drawer(() => void this.refresh());
  #enabled = false;
  /** The first load, while it runs: a turn that ends meanwhile waits for it (its answer may predate the thread). */
  #enabling: Promise<boolean> | undefined;
  #current: string | undefined;
  #cursor: string | undefined;
  #listed = new Set<string>();
  #searchTimer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by every reload: an older answer arriving late is dropped. */
  #generation = 0;

  private readonly api: ThreadRoutes;
  private readonly choices: ThreadChoices;

  constructor(api: ThreadRoutes, choices: ThreadChoices) {
    this.api = api;
    this.choices = choices;
    byId("new-chat").addEventListener("click", () => {
      this.#drawer.chosen();
      choices.fresh();
    });
    this.#search.addEventListener("input", () => {
      clearTimeout(this.#searchTimer);
      this.#searchTimer = setTimeout(() => void this.refresh(), SEARCH_DELAY_MS);
    });
    this.#more.addEventListener("click", () => void this.#load(this.#cursor));
  }

  /** Shows the list if the server has one for us; false (and hidden) if not. */
  async enable(): Promise<boolean> {
    if (this.#enabled) return true;
    if (this.#enabling !== undefined) return this.#enabling;
    const enabling: Promise<boolean> = this.#load(undefined).then((ok) => {
      if (this.#enabling !== enabling) return false; // signed out meanwhile
      this.#enabling = undefined;
      this.#enabled = ok;
      this.#aside.hidden = !ok;
      this.#drawer.available(ok);
      return ok;
    });
    this.#enabling = enabling;
    return enabling;
  }

  /** Hides and empties the list (signed out). */
  disable(): void {
    this.#enabled = false;
    this.#enabling = undefined;
    this.#generation++;
    this.#aside.hidden = true;
    this.#drawer.available(false);
    this.#items.replaceChildren();
    this.#listed.clear();
    this.#search.value = "";
  }

  /** Reloads the first page (with the current search). */
  async refresh(): Promise<void> {
    if (this.#enabled) await this.#load(undefined);
  }

  /** Marks the conversation on screen; a thread not listed yet (stored since) brings it into the list. */
  current(threadId: string): void {
    this.#current = threadId;
    for (const item of this.#items.children) {
      const open = item.querySelector(".thread-open");
      if (open === null) continue;
      if (item.getAttribute("data-id") === threadId) open.setAttribute("aria-current", "true");
      else open.removeAttribute("aria-current");
    }
  }

  /** A turn ended in the current conversation: if it is newly stored, list it. The server stores writes in
   * batches, so a thread may not be listed yet when its first turn ends: look again a few times, a while apart. */
  async turnEnded(): Promise<void> {
    await this.#enabling;
    for (const delayMs of LIST_RETRY_DELAYS_MS) {
      if (!this.#enabled || this.#current === undefined || this.#listed.has(this.#current)) return;
      if (this.#search.value !== "") return;
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      await this.refresh();
    }
  }

  async #load(cursor: string | undefined): Promise<boolean> {
    const generation = cursor === undefined ? ++this.#generation : this.#generation;
    const page = await listThreads(this.api, { search: this.#search.value.trim(), cursor });
    if (page === undefined || generation !== this.#generation) return page !== undefined;
    if (cursor === undefined) {
      this.#items.replaceChildren();
      this.#listed.clear();
    }
    for (const thread of page.threads) {
      this.#listed.add(thread.id);
      this.#items.append(this.#item(thread));
    }
    this.#cursor = page.nextCursor;
    this.#more.hidden = page.nextCursor === undefined;
    this.#empty.hidden = this.#items.children.length > 0;
    this.#empty.textContent = this.#search.value.trim() === "" ? "No conversations yet." : "No conversation matches.";
    if (this.#current !== undefined) this.current(this.#current);
    return true;
  }

  #item(thread: ThreadSummary): HTMLLIElement {
    const title = h("span", { class: "thread-name" }, thread.name ?? "Untitled");
    const open = h("button", { type: "button", class: "thread-open" }, title, h("small", {}, dateOf(thread.createdAt)));
    const rename = h("button", { type: "button", class: "icon thread-rename", "aria-label": "Rename" }, icon("edit"));
    const remove = h("button", { type: "button", class: "icon thread-delete", "aria-label": "Delete" }, icon("trash"));
    const item = h("li", { class: "thread", "data-id": thread.id }, open, rename, remove);
    open.addEventListener("click", () => {
      this.#drawer.chosen();
      if (thread.id !== this.#current) this.choices.open(thread.id); // the one on screen is already live
    });
    rename.addEventListener("click", () => this.#rename(item, thread));
    remove.addEventListener("click", async () => {
      if (!confirm(`Delete “${thread.name ?? "Untitled"}” and its history?`)) return;
      if (!(await deleteThread(this.api, thread.id))) return;
      item.remove();
      this.#listed.delete(thread.id);
      this.#empty.hidden = this.#items.children.length > 0;
      if (thread.id === this.#current) this.choices.fresh();
    });
    return item;
  }

  // Renaming edits in place: Enter saves, Escape (or leaving the field) keeps the old name.
  #rename(item: HTMLLIElement, thread: ThreadSummary): void {
    const open = item.querySelector(".thread-open");
    if (open === null) return;
    const input = h("input", { class: "thread-name-input", "aria-label": "New name", maxlength: "200" });
    input.value = thread.name ?? "";
    open.replaceWith(input);
    input.focus();
    input.select();
    let done = false;
    const finish = async (save: boolean) => {
      if (done) return;
      done = true;
      const wanted = input.value.trim();
      const renamed = save && wanted !== "" ? await renameThread(this.api, thread.id, wanted) : undefined;
      item.replaceWith(this.#item(renamed ?? thread));
      if (this.#current !== undefined) this.current(this.#current);
    };
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") void finish(true);
      if (event.key === "Escape") void finish(false);
    });
    input.addEventListener("blur", () => void finish(false));
  }
}
