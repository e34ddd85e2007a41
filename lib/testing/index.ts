// chatwire/testing: unit-test handlers without a server, and drive a real server with a real client.
// First, so that an unsupported Node.js fails here with a clear message (it must stay the first import).
import "../runtime/require-node.ts";

export { memoryGrants } from "../context/approve.ts";
export type { AudioOut, AudioSendOptions } from "../context/audio.ts";
export type { LogEntry } from "../logger.ts";
export { type ConnectOptions, connectClient, type ReceivedAudio, type TestClient, wsUrl } from "./client.ts";
export {
  type ContextRecording,
  createFakeContext,
  createFakeEventContext,
  type FakeContext,
  type FakeContextOptions,
  type FakeEventContext,
} from "./fake-context.ts";
export type { FakeMcpServers, FakeMcpTool } from "./fake-mcp.ts";
export { type FakeTurn, fakeTurn } from "./fake-turn.ts";
export { userMessage } from "./user-message.ts";
