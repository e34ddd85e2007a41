// chatwire/testing: unit-test handlers without a server, and drive a real server with a real client.

export type { LogEntry } from "../logger.ts";
export { type ConnectOptions, connectClient, type TestClient, wsUrl } from "./client.ts";
export {
  type ContextRecording,
  createFakeContext,
  createFakeEventContext,
  type FakeContext,
  type FakeContextOptions,
  type FakeEventContext,
} from "./fake-context.ts";
export { userMessage } from "./user-message.ts";
