// Commands (Chainlit's): what the user can pick in the composer (typing `/`) or press as a button; a message then
// says which one it was sent with (`user_message.command`).
import { type Static, Type } from "typebox";

/** One command the user may send a message with. */
export const CommandView = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    description: Type.String({ maxLength: 1000 }),
    icon: Type.Optional(Type.String({ maxLength: 2048 })),
    /** Shown as a button beside the composer, not only in the `/` palette. */
    button: Type.Optional(Type.Boolean()),
    /** Stays selected after a message is sent (else the composer drops it). */
    persistent: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CommandView = Static<typeof CommandView>;
