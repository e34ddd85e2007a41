// chatwire/ai-sdk: the AI SDK's chat (`ai` v6, an optional peer dependency) over a chatwire session.

export { ChunkMapper } from "./chunks.ts";
export { ChatwireTransport } from "./transport.ts";
