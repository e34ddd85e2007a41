// Real MCP servers for the tests: the SDK's McpServer over streamable HTTP on 127.0.0.1 (one per test), and the
// stdio fixture's command line.
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { TestContext } from "node:test";
import { fileURLToPath } from "node:url";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { SSEServerTransport } from "@modelcontextprotocol/sdk/server/sse.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { z } from "zod";

/** What the HTTP server saw: each request's headers, and the tool calls that were cancelled. */
export interface HttpServerLog {
  readonly headers: IncomingHttpHeaders[];
  readonly cancelled: string[];
  readonly url: string;
}

/** The tools every test server offers. */
function toolServer(log: HttpServerLog): McpServer {
  const server = new McpServer({ name: "http-fixture", version: "1.0.0" });
  server.registerTool(
    "echo",
    { description: "Says its text back", inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: "text", text: `echo: ${text}` }] }),
  );
  server.registerTool("fail", { description: "Always fails" }, async () => ({
    content: [{ type: "text", text: "the tool failed on purpose" }],
    isError: true,
  }));
  server.registerTool("big", { inputSchema: { bytes: z.number() } }, async ({ bytes }) => ({
    content: [{ type: "text", text: "x".repeat(bytes) }],
  }));
  server.registerTool("slow", { description: "Waits until cancelled" }, async (extra) => {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 10_000);
      extra.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        log.cancelled.push("slow");
        resolve();
      });
    });
    return { content: [{ type: "text", text: "done" }] };
  });
  return server;
}

/** Starts a stateless streamable HTTP MCP server on 127.0.0.1 (closed after the test): its URL and log. */
export async function startHttpMcpServer(t: TestContext): Promise<HttpServerLog> {
  const log = { headers: [] as IncomingHttpHeaders[], cancelled: [] as string[], url: "" };
  const http = createServer(async (request, response) => {
    log.headers.push(request.headers);
    const server = toolServer(log);
    const transport = new StreamableHTTPServerTransport({}); // no session ids: stateless;
    response.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request, response);
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  t.after(() => {
    http.closeAllConnections();
    http.close();
  });
  const address = http.address();
  assert.ok(address !== null && typeof address === "object");
  log.url = `http://127.0.0.1:${address.port}/mcp`;
  return log;
}

/** Starts an MCP server over the older SSE transport on 127.0.0.1 (GET /sse, POST /messages): its URL and log. */
export async function startSseMcpServer(t: TestContext): Promise<HttpServerLog> {
  const log = { headers: [] as IncomingHttpHeaders[], cancelled: [] as string[], url: "" };
  const transports = new Map<string, SSEServerTransport>();
  const http = createServer(async (request, response) => {
    log.headers.push(request.headers);
    if (request.method === "GET") {
      const transport = new SSEServerTransport("/messages", response);
      transports.set(transport.sessionId, transport);
      response.on("close", () => transports.delete(transport.sessionId));
      await toolServer(log).connect(transport);
      return;
    }
    const sessionId = new URL(request.url ?? "/", "http://x").searchParams.get("sessionId") ?? "";
    const transport = transports.get(sessionId);
    if (transport === undefined) response.writeHead(404).end();
    else await transport.handlePostMessage(request, response);
  });
  http.listen(0, "127.0.0.1");
  await once(http, "listening");
  t.after(() => {
    http.closeAllConnections();
    http.close();
  });
  const address = http.address();
  assert.ok(address !== null && typeof address === "object");
  log.url = `http://127.0.0.1:${address.port}/sse`;
  return log;
}

/** The stdio fixture's command line: this Node and the script. */
export const stdioServer = {
  command: process.execPath,
  args: [fileURLToPath(new URL("../fixtures/mcp-stdio-server.mjs", import.meta.url))],
};
