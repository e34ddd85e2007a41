// `ctx.mcp`: the MCP servers the user added to this session, their tools, and a call that shows as a `tool` step.
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { ChatwireError } from "../errors.ts";
import type { McpToolView } from "../protocol/mcp.ts";
import type { ContextInit } from "./init.ts";
import type { LiveMcp, McpServerInfo } from "./mcp-servers.ts";
import { runStep } from "./step.ts";

export type { LiveMcp, McpConnectionInfo, McpServerInfo } from "./mcp-servers.ts";
export type { CallToolResult };

/** What a handler may do with the session's MCP servers (`ctx.mcp`). */
export interface McpAccess {
  /** The servers connected now, with their tools. */
  servers(): readonly McpServerInfo[];
  /** Every tool of every server (or of `server`), each with the name of its server. */
  tools(server?: string): readonly (McpToolView & { readonly server: string })[];
  /** The SDK client of server `name`, for what `call` does not cover (resources, prompts). */
  client(name: string): Client | undefined;
  /**
   * Runs `tool` on `server` as a visible `tool` step (input: the arguments; output: the result's text; error: the
   * tool's own error text) and resolves with the result, an `isError` one included. Aborts with the handler's
   * signal (stop); throws UNKNOWN_MCP_SERVER, MCP_RESULT_TOO_LARGE, or the connection's failure.
   * @example const result = await ctx.mcp.call("weather", "forecast", { city: "Oslo" });
   */
  call(server: string, tool: string, args?: Record<string, unknown>): Promise<CallToolResult>;
}

/** A session without MCP (none connected, or a context built without one): no servers, every call refused. */
const noServers: LiveMcp = {
  servers: () => [],
  client: () => undefined,
  callTool: async (name) => {
    throw new ChatwireError("UNKNOWN_MCP_SERVER", `no MCP server "${name}" in this session`);
  },
};

/** The text of a tool result, as its step shows it: text parts as they are, other parts as JSON. */
export function resultText(result: CallToolResult): string {
  const parts = result.content.map((part) => (part.type === "text" ? part.text : JSON.stringify(part)));
  if (parts.length === 0 && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return parts.join("\n");
}

/** A result the tool itself marked as an error: thrown through the step so it shows there, then returned. */
class ToolReportedError extends Error {
  readonly result: CallToolResult;
  constructor(result: CallToolResult) {
    super(resultText(result));
    this.result = result;
  }
}

/** `ctx.mcp` of one context: its calls are steps of that context and abort with its signal. */
export function mcpAccess<S extends object>(init: ContextInit<S>, signal: () => AbortSignal): McpAccess {
  const live = init.mcp ?? noServers;
  return {
    servers: () => live.servers(),
    tools: (server) =>
      live
        .servers()
        .filter(({ name }) => server === undefined || name === server)
        .flatMap(({ name, tools }) => tools.map((tool) => ({ ...tool, server: name }))),
    client: (name) => live.client(name),
    async call(server, tool, args = {}) {
      const input = JSON.stringify(args);
      try {
        return await runStep(init, { name: tool, type: "tool", input }, undefined, async (step) => {
          const result = await live.callTool(server, tool, args, signal());
          if (result.isError === true) throw new ToolReportedError(result);
          step.output = resultText(result);
          return result;
        });
      } catch (error) {
        if (error instanceof ToolReportedError) return error.result;
        throw error;
      }
    },
  };
}
