// chatwire/testing: unit-test handlers without a server, and drive a real server with a real client.
export { connectClient, type TestClient, wsUrl } from "./client.ts";
export { createFakeContext, type FakeContext, type FakeContextOptions } from "./fake-context.ts";
export { userMessage } from "./user-message.ts";
