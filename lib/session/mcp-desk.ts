// A session's MCP servers (issue 22): the `mcp_connect` / `mcp_disconnect` commands run onMcpConnect and
// onMcpDisconnect on the event lane, the servers live in an McpBook, and the session's end disconnects them all.
// The session makes its desk at its first MCP command: most sessions never add a server, and an idle session should
// not pay for the desk's closures.
import { ChatwireError } from "../errors.ts";
import type { HookTable } from "../hooks/table.ts";
import type { Logger } from "../logger.ts";
import type { McpConnect, McpDisconnect } from "../protocol/client.ts";
import type { McpTransport } from "../protocol/mcp.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { EventLane } from "./event-lane.ts";
import type { McpBook, McpHost } from "./mcp.ts";
import { type McpPolicy, resolveMcpPolicy } from "./mcp-policy.ts";

/** What the MCP desk needs of its session. */
export interface McpDeskHost<S extends object> {
  readonly sessionId: string;
  readonly log: Logger;
  readonly events: EventLane<S>;
  hooks(): HookTable<S>;
  ended(): boolean;
  emit(frame: OutgoingFrame): undefined | Promise<void>;
  notify(frame: OutgoingFrame): void;
  /** The servers' book was made (at the first connect): what `ctx.mcp` reads from then on. */
  booked(book: McpBook): void;
}

/** One session's MCP servers and the commands that add and remove them. */
export class McpDesk<S extends object> implements McpHost {
  #book: McpBook | undefined;
  readonly #policy: McpPolicy | undefined;
  readonly #host: McpDeskHost<S>;

  constructor(policy: McpPolicy | undefined, host: McpDeskHost<S>) {
    this.#policy = policy;
    this.#host = host;
  }

  /** The connected servers (`ctx.mcp`); undefined until the first connect. */
  get book(): McpBook | undefined {
    return this.#book;
  }

  /** Connects the server on the event lane, then onMcpConnect; its refusal closes the server again. */
  connect(command: McpConnect): void {
    this.#enabled();
    const { connection } = command;
    this.#host.events.run("onMcpConnect", command.id, async (ctx) => {
      if (this.#book === undefined) {
        const { McpBook } = await import("./mcp.ts");
        if (this.#book === undefined) {
          this.#book = new McpBook(resolveMcpPolicy(this.#policy), this);
          this.#host.booked(this.#book);
        }
      }
      const server = await this.#book.connect(connection, ctx.signal);
      try {
        await this.#host.hooks().onMcpConnect?.(ctx, server.connection, server.client);
      } catch (error) {
        this.#book.take(server.name);
        await server.client.close().catch(() => undefined);
        throw error;
      }
      const { name, tools } = server;
      await this.#host.emit({
        type: "mcp_connected",
        name,
        transport: connection.transport,
        tools: [...tools],
        replyTo: command.id,
      });
    });
  }

  /** onMcpDisconnect, then the server's connection closes. */
  disconnect(command: McpDisconnect): void {
    this.#enabled();
    const { name, id } = command;
    this.#host.events.run("onMcpDisconnect", id, async (ctx) => {
      const server = this.#book?.take(name);
      if (server === undefined)
        throw new ChatwireError("UNKNOWN_MCP_SERVER", `no MCP server "${name}" in this session`);
      try {
        await this.#host.hooks().onMcpDisconnect?.(ctx, name, server.client);
      } finally {
        await server.client.close().catch(() => undefined);
        await this.#host.emit({
          type: "mcp_disconnected",
          name,
          reason: "user",
          ...(id === undefined ? {} : { replyTo: id }),
        });
      }
    });
  }

  /** A server's connection closed by itself (it exited, or its HTTP session ended). */
  mcpLost(name: string): void {
    if (!this.#host.ended()) this.#host.notify({ type: "mcp_disconnected", name, reason: "closed" });
  }

  /** The session ends: onMcpDisconnect for each server, then every connection closes. The caller bounds it. */
  closeAll(): Promise<unknown> {
    const servers = this.#book?.takeAll() ?? [];
    const { events, log, sessionId } = this.#host;
    const onMcpDisconnect = this.#host.hooks().onMcpDisconnect;
    return Promise.all(
      servers.map(async ({ name, client }) => {
        try {
          await onMcpDisconnect?.(events.context, name, client);
        } catch (error) {
          log.error({ err: error, sessionId, hook: "onMcpDisconnect" }, "onMcpDisconnect failed");
        } finally {
          await client.close().catch(() => undefined);
        }
      }),
    );
  }

  /** Throws MCP_DISABLED when MCP is off. */
  #enabled(): void {
    if (!mcpOn(this.#policy, this.#host.hooks())) {
      throw new ChatwireError("MCP_DISABLED", "this app does not take MCP servers");
    }
  }
}

/** MCP is on when the app set a policy or registers onMcpConnect. */
const mcpOn = (policy: McpPolicy | undefined, hooks: HookTable<never>): boolean =>
  policy !== undefined || hooks.onMcpConnect !== undefined;

/**
 * The transports a user may add servers by (`welcome.mcp`); undefined when the app takes no MCP servers.
 * @example mcpTransports({ allowHosts: ["mcp.example.com"] }, table) // ["streamable-http", "sse"]
 */
export function mcpTransports(
  policy: McpPolicy | undefined,
  hooks: HookTable<never>,
): readonly McpTransport[] | undefined {
  if (!mcpOn(policy, hooks)) return undefined;
  const resolved = resolveMcpPolicy(policy);
  return [
    ...(resolved.allowHosts.length > 0 ? (["streamable-http", "sse"] as const) : []),
    ...(resolved.allowCommands.length > 0 ? (["stdio"] as const) : []),
  ];
}
