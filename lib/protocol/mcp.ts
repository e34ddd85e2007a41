// MCP servers a user adds to their session: how the client names one, and what the server says of its tools.
import { type Static, Type } from "typebox";

const closed = { additionalProperties: false } as const;
/** The session's name for a server: what `mcp_disconnect` and `ctx.mcp.call` name it by. */
const McpName = Type.String({ minLength: 1, maxLength: 64, pattern: "^[A-Za-z0-9_.-]+$" });
const Url = Type.String({ minLength: 1, maxLength: 2048 });
/** Request headers for the server (e.g. `authorization`): used for its requests only, never stored nor logged. */
const Headers = Type.Record(Type.String({ maxLength: 128 }), Type.String({ maxLength: 8192 }), { maxProperties: 32 });

/** How the gateway reaches a server: by URL (streamable HTTP, or the older SSE) or by starting a command (stdio). */
export const McpTransport = Type.Union([Type.Literal("streamable-http"), Type.Literal("sse"), Type.Literal("stdio")]);
export type McpTransport = Static<typeof McpTransport>;

/** A server over HTTP: the streamable HTTP transport, or the older SSE one. */
export const McpUrlConnection = Type.Object(
  {
    name: McpName,
    transport: Type.Union([Type.Literal("streamable-http"), Type.Literal("sse")]),
    url: Url,
    headers: Type.Optional(Headers),
  },
  closed,
);
export type McpUrlConnection = Static<typeof McpUrlConnection>;

/** A server the gateway starts as a child process (only a command the app allow-lists). */
export const McpStdioConnection = Type.Object(
  {
    name: McpName,
    transport: Type.Literal("stdio"),
    command: Type.String({ minLength: 1, maxLength: 1024 }),
    args: Type.Optional(Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 64 })),
  },
  closed,
);
export type McpStdioConnection = Static<typeof McpStdioConnection>;

/** How to reach one MCP server. */
export const McpConnection = Type.Union([McpUrlConnection, McpStdioConnection]);
export type McpConnection = Static<typeof McpConnection>;

/** One tool a server offers: its input is described by a JSON Schema. */
export const McpToolView = Type.Object({
  name: Type.String(),
  description: Type.Optional(Type.String()),
  inputSchema: Type.Record(Type.String(), Type.Unknown()),
});
export type McpToolView = Static<typeof McpToolView>;
