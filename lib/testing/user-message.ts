// A user message as the gateway hands it to onMessage, for calling a handler directly in a unit test.
import { nanoid } from "nanoid";
import type { IncomingMessage } from "../hooks/payloads.ts";

/**
 * The message `onMessage` would receive for `content`; fields given in `init` win.
 * @example await echo(createFakeContext(), userMessage("hi"));
 */
export function userMessage(content: string, init: Partial<IncomingMessage> = {}): IncomingMessage {
  const id = init.id ?? nanoid();
  return {
    id,
    clientId: init.clientId ?? id,
    content,
    createdAt: init.createdAt ?? new Date().toISOString(),
    files: [],
    ...init,
  };
}
