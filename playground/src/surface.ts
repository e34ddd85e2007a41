// What the app offers around the conversation: the chat profile picker, the starters of an empty conversation,
// the command picker of the composer and the settings form (docs/surface.md). Drawn from the client's snapshot;
// every label goes in as text.
import type { ChatClient, ChatSettingsView, ChatSnapshot } from "../../lib/client/index.ts";
import type { CommandView, SettingsInput, SettingValue, StarterView } from "../../lib/protocol/index.ts";
import { byId, h } from "./dom.ts";

/** The page's surface controls. */
export class Surface {
  readonly #profile = byId<HTMLSelectElement>("profile");
  readonly #starters = byId("starters");
  readonly #command = byId<HTMLSelectElement>("command");
  readonly #settings = byId<HTMLDetailsElement>("settings");
  readonly #form = byId<HTMLFormElement>("settings-form");
  #shownStarters: readonly StarterView[] | undefined;
  #shownCommands: readonly CommandView[] | undefined;
  #shownForm: ChatSettingsView["inputs"] | undefined;

  private readonly client: () => ChatClient | undefined;
  private readonly send: (text: string) => void;

  constructor(client: () => ChatClient | undefined, send: (text: string) => void) {
    this.client = client;
    this.send = send;
    this.#profile.addEventListener("change", () => this.client()?.switchProfile(this.#profile.value));
    this.#form.addEventListener("submit", (event) => event.preventDefault());
  }

  /** Lists the profiles this user may choose from (none: the picker stays hidden). */
  async loadProfiles(): Promise<void> {
    const chat = this.client();
    const { profiles } = (await chat?.chatProfiles().catch(() => undefined)) ?? { profiles: [] };
    this.#profile.replaceChildren(
      ...profiles.map((profile) => h("option", { value: profile.name, title: profile.description }, profile.name)),
    );
    this.#profile.hidden = profiles.length === 0;
    const current = chat?.getSnapshot().session?.chatProfile;
    if (current !== undefined) this.#profile.value = current;
  }

  /** The command chosen for the next message, if any (a non-persistent one is dropped once used). */
  takeCommand(): string | undefined {
    const id = this.#command.value;
    if (id === "") return undefined;
    const command = this.#shownCommands?.find((candidate) => candidate.id === id);
    if (command?.persistent !== true) this.#command.value = "";
    return id;
  }

  render(snapshot: ChatSnapshot | undefined): void {
    const profile = snapshot?.session?.chatProfile;
    if (profile !== undefined && !this.#profile.hidden) this.#profile.value = profile;
    this.#renderStarters(snapshot?.starters ?? [], (snapshot?.messages.length ?? 0) === 0);
    this.#renderCommands(snapshot?.commands ?? []);
    this.#renderSettings(snapshot?.settings);
  }

  #renderStarters(starters: readonly StarterView[], empty: boolean): void {
    this.#starters.hidden = !empty || starters.length === 0;
    if (starters === this.#shownStarters) return;
    this.#shownStarters = starters;
    this.#starters.replaceChildren(
      ...starters.map((starter) => {
        const button = h("button", { type: "button", class: "starter", title: starter.message }, starter.label);
        if (starter.category !== undefined) button.dataset.category = starter.category;
        button.addEventListener("click", () => this.send(starter.message));
        return button;
      }),
    );
  }

  #renderCommands(commands: readonly CommandView[]): void {
    if (commands === this.#shownCommands) return;
    this.#shownCommands = commands;
    const chosen = this.#command.value;
    this.#command.replaceChildren(
      h("option", { value: "" }, "/ command"),
      ...commands.map((command) => h("option", { value: command.id, title: command.description }, `/${command.id}`)),
    );
    this.#command.value = commands.some((command) => command.id === chosen) ? chosen : "";
    this.#command.hidden = commands.length === 0;
  }

  #renderSettings(settings: ChatSettingsView | undefined): void {
    this.#settings.hidden = settings === undefined;
    if (settings === undefined) {
      this.#shownForm = undefined;
      return;
    }
    if (settings.inputs !== this.#shownForm) {
      this.#shownForm = settings.inputs;
      this.#form.replaceChildren(...settings.inputs.map((input) => this.#field(input)));
    }
    for (const input of settings.inputs) {
      const value = settings.values[input.id];
      if (value !== undefined) this.#show(input, value);
    }
  }

  /** One labelled control; a change goes to the server at once (it answers with the values it accepted). */
  #field(input: SettingsInput): HTMLElement {
    const control = this.#control(input);
    control.id = `setting-${input.id}`;
    control.addEventListener("change", () => {
      const value = this.#read(input, control);
      if (value !== undefined) this.client()?.updateSettings({ [input.id]: value });
    });
    const label = h("label", { class: `setting ${input.type}` }, input.label ?? input.id, control);
    if (input.tab !== undefined) label.dataset.tab = input.tab;
    if (input.description !== undefined) label.title = input.description;
    return label;
  }

  #control(input: SettingsInput): HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement {
    switch (input.type) {
      case "select":
      case "multiselect": {
        const select = h("select", { multiple: input.type === "multiselect" });
        select.append(...input.values.map((value) => h("option", { value }, value)));
        return select;
      }
      case "switch":
        return h("input", { type: "checkbox" });
      case "slider":
        return h("input", {
          type: "range",
          min: String(input.min),
          max: String(input.max),
          step: String(input.step ?? "any"),
        });
      case "number":
        return h("input", {
          type: "number",
          min: input.min === undefined ? undefined : String(input.min),
          max: input.max === undefined ? undefined : String(input.max),
        });
      case "text":
        return input.multiline === true
          ? h("textarea", { placeholder: input.placeholder })
          : h("input", { type: "text", placeholder: input.placeholder });
      case "tags":
        return h("input", { type: "text", placeholder: "tags, comma separated" });
      default:
        return input satisfies never;
    }
  }

  #read(input: SettingsInput, control: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement) {
    if (control instanceof HTMLSelectElement) {
      return input.type === "multiselect" ? [...control.selectedOptions].map((option) => option.value) : control.value;
    }
    if (input.type === "switch" && control instanceof HTMLInputElement) return control.checked;
    if (input.type === "slider" || input.type === "number") return Number(control.value);
    if (input.type === "tags") {
      return control.value
        .split(",")
        .map((tag) => tag.trim())
        .filter((tag) => tag !== "");
    }
    return control.value;
  }

  #show(input: SettingsInput, value: SettingValue): void {
    const control = this.#form.querySelector<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(
      `#${CSS.escape(`setting-${input.id}`)}`,
    );
    if (control === null || control === document.activeElement) return;
    if (control instanceof HTMLSelectElement && Array.isArray(value)) {
      for (const option of control.options) option.selected = value.includes(option.value);
    } else if (control instanceof HTMLInputElement && control.type === "checkbox") control.checked = value === true;
    else control.value = Array.isArray(value) ? value.join(", ") : String(value);
  }
}
