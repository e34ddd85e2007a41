// chatwire/testing: unit-test handlers without a server, and drive a real server with a real client.
// First, so that an unsupported Node.js fails here with a clear message (it must stay the first import).
import "../runtime/require-node.ts";

export { connectClient, type TestClient, wsUrl } from "./client.ts";
export { createFakeContext, type FakeContext, type FakeContextOptions } from "./fake-context.ts";
export { userMessage } from "./user-message.ts";
