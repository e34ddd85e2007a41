// The header's MCP button and its panel: the MCP servers of this session (each with its tools and a Remove button)
// and a form that adds one by URL (streamable HTTP or SSE) or by command (stdio, which the server runs only if the
// app allow-lists it). The gateway decides: a refusal comes back as a typed error frame, shown in the panel.
import type { ChatClient } from "../../lib/client/index.ts";
import type { McpConnection, McpToolView, ServerFrame } from "../../lib/protocol/index.ts";
import { byId, h } from "./dom.ts";

type Transport = McpConnection["transport"];

/** The panel's view of one connected server. */
interface ServerShown {
  readonly transport: Transport;
  readonly tools: readonly McpToolView[];
}

export class McpDialog {
  readonly #button = byId<HTMLButtonElement>("mcp");
  readonly #panel = byId("mcp-panel");
  readonly #list = byId<HTMLUListElement>("mcp-servers");
  readonly #form = byId<HTMLFormElement>("mcp-form");
  readonly #error = byId("mcp-error");
  readonly #transport = byId<HTMLSelectElement>("mcp-transport");
  readonly #servers = new Map<string, ServerShown>();
  /** Requests sent from this panel and not answered yet: their ids. */
  readonly #pending = new Set<string>();

  private readonly client: () => ChatClient | undefined;

  constructor(client: () => ChatClient | undefined) {
    this.client = client;
    this.#button.addEventListener("click", () => {
      this.#panel.hidden = !this.#panel.hidden;
      this.#button.setAttribute("aria-expanded", String(!this.#panel.hidden));
    });
    this.#transport.addEventListener("change", () => this.#showFields());
    this.#form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#add();
    });
    this.#showFields();
    this.#render();
  }

  /**
   * A session (new or not): the button shows when the app takes MCP servers (`welcome.mcp`), and the form offers the
   * transports its policy can allow. A new session starts with no servers (the last one's closed with it).
   */
  session(fresh: boolean, mcp: { readonly transports: readonly Transport[] } | undefined): void {
    this.#button.hidden = mcp === undefined;
    if (mcp === undefined) this.#panel.hidden = true;
    for (const option of this.#transport.options) option.hidden = !mcp?.transports.includes(option.value as Transport);
    this.#form.hidden = mcp === undefined || mcp.transports.length === 0;
    const first = [...this.#transport.options].find((option) => !option.hidden);
    if (this.#transport.selectedOptions[0]?.hidden !== false && first !== undefined)
      this.#transport.value = first.value;
    this.#showFields();
    if (!fresh) return;
    this.#servers.clear();
    this.#pending.clear();
    this.#error.textContent = "";
    this.#render();
  }

  /** No session (signed out): nothing to add servers to. */
  disable(): void {
    this.#button.hidden = true;
    this.#panel.hidden = true;
    this.#servers.clear();
    this.#render();
  }

  /** Every server frame: connected and removed servers, and the errors that answer this panel's requests. */
  frame(frame: ServerFrame): void {
    if (frame.type === "mcp_connected") {
      this.#settle(frame.replyTo);
      this.#servers.set(frame.name, { transport: frame.transport, tools: frame.tools });
      this.#render();
    } else if (frame.type === "mcp_disconnected") {
      this.#settle(frame.replyTo);
      this.#servers.delete(frame.name);
      this.#render();
    } else if (frame.type === "error" && frame.replyTo !== undefined && this.#pending.delete(frame.replyTo)) {
      this.#error.textContent = `${frame.code}: ${frame.message}`;
      this.#error.dataset.code = frame.code;
    }
  }

  #settle(replyTo: string | undefined): void {
    if (replyTo === undefined || !this.#pending.delete(replyTo)) return;
    this.#error.textContent = "";
    delete this.#error.dataset.code;
  }

  #showFields(): void {
    const stdio = this.#transport.value === "stdio";
    for (const field of this.#form.querySelectorAll<HTMLElement>("[data-for]")) {
      const shown = field.dataset.for === (stdio ? "command" : "url");
      field.hidden = !shown;
      for (const input of field.querySelectorAll("input")) input.disabled = !shown;
    }
  }

  #add(): void {
    const client = this.client();
    if (client === undefined) return;
    const value = (name: string) => (this.#form.elements.namedItem(name) as HTMLInputElement).value.trim();
    const name = value("mcp-name");
    const transport = this.#transport.value as Transport;
    let connection: McpConnection;
    if (transport === "stdio") {
      const args = value("mcp-args");
      connection = { name, transport, command: value("mcp-command"), ...(args ? { args: args.split(/\s+/) } : {}) };
    } else {
      const token = value("mcp-authorization");
      // The header goes to the gateway for this connection only: it is never stored with the thread nor logged.
      const headers = token === "" ? undefined : { authorization: token };
      connection = { name, transport, url: value("mcp-url"), ...(headers ? { headers } : {}) };
    }
    this.#error.textContent = "";
    this.#pending.add(client.connectMcp(connection));
  }

  #remove(name: string): void {
    const id = this.client()?.disconnectMcp(name);
    if (id !== undefined) this.#pending.add(id);
  }

  #render(): void {
    this.#button.textContent = this.#servers.size === 0 ? "MCP" : `MCP (${this.#servers.size})`;
    if (this.#servers.size === 0) {
      this.#list.replaceChildren(h("li", { class: "mcp-empty" }, "No MCP servers in this session."));
      return;
    }
    this.#list.replaceChildren(
      ...[...this.#servers].map(([name, server]) => {
        const remove = h("button", { type: "button", class: "mcp-remove", "aria-label": `Remove ${name}` }, "Remove");
        remove.addEventListener("click", () => this.#remove(name));
        const tools = server.tools.map((tool) =>
          h(
            "li",
            { class: "mcp-tool", "data-name": tool.name },
            h("code", {}, tool.name),
            tool.description === undefined ? undefined : ` — ${tool.description}`,
          ),
        );
        return h(
          "li",
          { class: "mcp-server", "data-name": name },
          h(
            "div",
            { class: "mcp-server-head" },
            h("strong", {}, name),
            h("span", { class: "badge" }, server.transport),
            remove,
          ),
          h("ul", { class: "mcp-tools" }, ...tools),
        );
      }),
    );
  }
}
