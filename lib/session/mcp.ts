// The session's MCP connections: opened through the official SDK within the app's policy, closed when the user
// removes them or the session ends. Headers (tokens) go to the transport only: never kept here, stored or logged.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { SSEClientTransport } from "@modelcontextprotocol/sdk/client/sse.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type { Transport } from "@modelcontextprotocol/sdk/shared/transport.js";
import { type CallToolResult, CallToolResultSchema } from "@modelcontextprotocol/sdk/types.js";
import type { LiveMcp, McpConnectionInfo, McpServerInfo } from "../context/mcp.ts";
import { ChatwireError } from "../errors.ts";
import type { McpConnection } from "../protocol/mcp.ts";
import { checkCommand, checkUrl, guardedFetch, type ResolvedMcpPolicy } from "./mcp-policy.ts";

/** A connected server: its SDK client and what the app and the client are told of it. */
export interface McpServer extends McpServerInfo {
  readonly client: Client;
}

/** The connection as the app sees it: without its headers. */
function withoutHeaders(connection: McpConnection): McpConnectionInfo {
  if (connection.transport === "stdio") return connection;
  const { headers: _secret, ...info } = connection;
  return info;
}

/** The SDK transport for `connection`, once the policy allows it (MCP_REFUSED otherwise). */
async function transportFor(policy: ResolvedMcpPolicy, connection: McpConnection): Promise<Transport> {
  if (connection.transport === "stdio") {
    checkCommand(policy, connection);
    // The SDK passes the child only a safe subset of this process's environment (PATH, HOME…), never its secrets.
    return new StdioClientTransport({
      command: connection.command,
      args: [...(connection.args ?? [])],
      stderr: "ignore",
    });
  }
  let url: URL;
  try {
    url = new URL(connection.url);
  } catch {
    throw new ChatwireError("MCP_REFUSED", "the MCP server URL is not a URL");
  }
  await checkUrl(policy, url);
  const options = { fetch: guardedFetch(policy), requestInit: { headers: { ...connection.headers } } };
  return connection.transport === "sse"
    ? new SSEClientTransport(url, options)
    : new StreamableHTTPClientTransport(url, options);
}

/** Told when a server's connection closed by itself (not by `take` or `takeAll`): the session. */
export interface McpHost {
  mcpLost(name: string): void;
}

/** The session's MCP servers by name. */
export class McpBook implements LiveMcp {
  readonly #policy: ResolvedMcpPolicy;
  readonly #servers = new Map<string, McpServer>();
  /** Names being connected now: they count against the limit and cannot be taken twice. */
  readonly #connecting = new Set<string>();
  readonly #host: McpHost;
  #closed = false;

  constructor(policy: ResolvedMcpPolicy, host: McpHost) {
    this.#policy = policy;
    this.#host = host;
  }

  /** Connects to `connection` and lists its tools. Throws MCP_NAME_TAKEN, MCP_LIMIT, MCP_REFUSED or
   * MCP_CONNECT_FAILED. */
  async connect(connection: McpConnection, signal: AbortSignal): Promise<McpServer> {
    const { name } = connection;
    if (this.#servers.has(name) || this.#connecting.has(name)) {
      throw new ChatwireError("MCP_NAME_TAKEN", `an MCP server named "${name}" is already in this session`);
    }
    if (this.#servers.size + this.#connecting.size >= this.#policy.maxServersPerSession) {
      throw new ChatwireError("MCP_LIMIT", `a session may have ${this.#policy.maxServersPerSession} MCP servers`);
    }
    this.#connecting.add(name);
    try {
      const transport = await transportFor(this.#policy, connection);
      const client = new Client({ name: "chatwire", version: "1" });
      // A timer of our own, not AbortSignal.timeout: a timeout signal only `AbortSignal.any` refers to may be garbage
      // collected before it fires (it did here: a silent server then hung the connect past connectTimeoutMs).
      const deadline = new AbortController();
      const timer = setTimeout(
        () => deadline.abort(new DOMException("the MCP server did not answer in time", "TimeoutError")),
        this.#policy.connectTimeoutMs,
      );
      const bounded = AbortSignal.any([signal, deadline.signal]);
      try {
        await client.connect(transport, { signal: bounded });
        const { tools } = await client.listTools(undefined, { signal: bounded });
        if (this.#closed) throw new ChatwireError("SESSION_CLOSED", "the session ended while connecting");
        const server: McpServer = {
          name,
          client,
          connection: withoutHeaders(connection),
          tools: tools.map(({ name, description, inputSchema }) => ({
            name,
            inputSchema,
            ...(description === undefined ? {} : { description }),
          })),
        };
        clearTimeout(timer);
        this.#servers.set(name, server);
        client.onclose = () => {
          if (this.#servers.get(name) === server) {
            this.#servers.delete(name);
            this.#host.mcpLost(name);
          }
        };
        return server;
      } catch (error) {
        clearTimeout(timer);
        await client.close().catch(() => undefined);
        if (error instanceof ChatwireError) throw error;
        // The message names the server, never the headers: the SDK's error text may quote a request.
        throw new ChatwireError("MCP_CONNECT_FAILED", `the MCP server "${name}" could not be reached`, {
          cause: error,
        });
      }
    } finally {
      this.#connecting.delete(name);
    }
  }

  /** Takes server `name` out of the session (its client still open: close it after onMcpDisconnect). */
  take(name: string): McpServer {
    const server = this.#servers.get(name);
    if (server === undefined) throw new ChatwireError("UNKNOWN_MCP_SERVER", `no MCP server "${name}" in this session`);
    this.#servers.delete(name);
    return server;
  }

  /** Takes every server out and refuses new ones: the session is ending. */
  takeAll(): McpServer[] {
    this.#closed = true;
    const all = [...this.#servers.values()];
    this.#servers.clear();
    return all;
  }

  servers(): readonly McpServerInfo[] {
    return [...this.#servers.values()].map(({ name, connection, tools }) => ({ name, connection, tools }));
  }

  client(name: string): Client | undefined {
    return this.#servers.get(name)?.client;
  }

  async callTool(
    name: string,
    tool: string,
    args: Record<string, unknown>,
    signal: AbortSignal,
  ): Promise<CallToolResult> {
    const server = this.#servers.get(name);
    if (server === undefined) throw new ChatwireError("UNKNOWN_MCP_SERVER", `no MCP server "${name}" in this session`);
    signal.throwIfAborted();
    const result = CallToolResultSchema.parse(
      await server.client.callTool({ name: tool, arguments: args }, CallToolResultSchema, { signal }),
    );
    const bytes = Buffer.byteLength(JSON.stringify(result));
    if (bytes > this.#policy.maxToolResultBytes) {
      throw new ChatwireError(
        "MCP_RESULT_TOO_LARGE",
        `the result of ${tool} has ${bytes} bytes; at most ${this.#policy.maxToolResultBytes} are allowed`,
      );
    }
    return result;
  }
}
