// chatwire/client adds and removes a session's MCP servers: connectMcp and disconnectMcp, answered by frames that
// carry the request's id.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApp } from "chatwire";
import { connect } from "chatwire/client";
import type { ServerFrame } from "chatwire/protocol";
import { eventually, startGateway } from "../support/gateway.ts";
import { startHttpMcpServer } from "./servers.ts";

test("connectMcp and disconnectMcp: mcp_connected and mcp_disconnected reply to their ids; refusals too", async (t) => {
  const mcp = await startHttpMcpServer(t);
  const server = await startGateway(t, {
    hooks: createApp().seal(),
    mcp: { allowHosts: ["127.0.0.1"], allowPrivateAddresses: true },
  });
  const address = server.server.address();
  assert.ok(address !== null && typeof address === "object");
  const client = connect(`ws://127.0.0.1:${address.port}/ws`);
  t.after(() => client.close());
  const frames: ServerFrame[] = [];
  client.on("frame", (frame) => frames.push(frame));
  const answer = async (id: string) => {
    await eventually(() => frames.some((frame) => "replyTo" in frame && frame.replyTo === id), 5000);
    return frames.find((frame) => "replyTo" in frame && frame.replyTo === id);
  };

  const added = await answer(client.connectMcp({ name: "local", transport: "streamable-http", url: mcp.url }));
  assert.equal(added?.type, "mcp_connected");
  assert.ok(added?.type === "mcp_connected" && added.tools.some((tool) => tool.name === "echo"));
  const refused = await answer(client.connectMcp({ name: "meta", transport: "sse", url: "http://169.254.169.254/" }));
  assert.ok(refused?.type === "error" && refused.code === "MCP_REFUSED");
  const removed = await answer(client.disconnectMcp("local"));
  assert.ok(removed?.type === "mcp_disconnected" && removed.name === "local" && removed.reason === "user");
});
