// A stand-in for a session's MCP servers in a fake context: tools as plain functions, no SDK client, no process.
import type { CallToolResult } from "../context/mcp.ts";
import type { LiveMcp, McpServerInfo } from "../context/mcp-servers.ts";
import { ChatwireError } from "../errors.ts";

/** A fake tool: its arguments in, its result out (a string is one text part). */
export type FakeMcpTool = (
  args: Record<string, unknown>,
  signal: AbortSignal,
) => string | CallToolResult | Promise<string | CallToolResult>;

/** Fake MCP servers by name, each a record of tools by name. */
export type FakeMcpServers = Readonly<Record<string, Readonly<Record<string, FakeMcpTool>>>>;

/** The `LiveMcp` of a fake context: `ctx.mcp.servers()` lists these (transport `stdio`, command `fake`), `call`
 * runs the functions as tool steps, and `ctx.mcp.client(name)` is undefined (there is no SDK client). */
export function fakeMcp(servers: FakeMcpServers = {}): LiveMcp {
  const infos: McpServerInfo[] = Object.entries(servers).map(([name, tools]) => ({
    name,
    connection: { name, transport: "stdio", command: "fake" },
    tools: Object.keys(tools).map((tool) => ({ name: tool, inputSchema: { type: "object" } })),
  }));
  return {
    servers: () => infos,
    client: () => undefined,
    async callTool(name, tool, args, signal) {
      const run = servers[name]?.[tool];
      if (servers[name] === undefined) {
        throw new ChatwireError("UNKNOWN_MCP_SERVER", `no MCP server "${name}" in this session`);
      }
      if (run === undefined) return { content: [{ type: "text", text: `unknown tool ${tool}` }], isError: true };
      signal.throwIfAborted();
      const result = await run(args, signal);
      return typeof result === "string" ? { content: [{ type: "text", text: result }] } : result;
    },
  };
}
