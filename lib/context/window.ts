// Chainlit's send_window_message as a plain function; it is `ctx.sendWindowMessage` with the context passed in.
import type { EventContext } from "./context.ts";

/**
 * Sends data to the page that embeds the chat.
 * @example await sendWindowMessage(ctx, { type: "status", progress: 75 });
 */
export const sendWindowMessage = <S extends object>(ctx: EventContext<S>, data: unknown): Promise<void> =>
  ctx.sendWindowMessage(data);
