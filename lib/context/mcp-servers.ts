// The session's MCP servers as a context sees them: what `ctx.mcp` is built on (the session's McpBook implements it).
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { McpConnection, McpToolView } from "../protocol/mcp.ts";

/** How a server was reached, as the app sees it: the user's connection without its headers (they are secrets). */
export type McpConnectionInfo = McpConnection extends infer C
  ? C extends unknown
    ? Omit<C, "headers">
    : never
  : never;

/** One connected server and the tools it listed when it joined. */
export interface McpServerInfo {
  readonly name: string;
  readonly connection: McpConnectionInfo;
  readonly tools: readonly McpToolView[];
}

/** The session's MCP connections, as a context reaches them (the session's McpBook implements it). */
export interface LiveMcp {
  servers(): readonly McpServerInfo[];
  client(name: string): Client | undefined;
  /** Calls `tool` on server `name`; throws UNKNOWN_MCP_SERVER, or MCP_RESULT_TOO_LARGE past the policy's limit. */
  callTool(name: string, tool: string, args: Record<string, unknown>, signal: AbortSignal): Promise<CallToolResult>;
}
