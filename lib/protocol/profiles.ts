// Chat profiles and starters: what a client lists before it starts (`GET /chat-profiles`) and the starters a new
// conversation shows (the `starters` frame). Declared once; the app's registrars return these shapes.
import { type Static, Type } from "typebox";

/** A suggested first message, shown on an empty conversation; choosing it sends `message` as the user's. */
export const StarterView = Type.Object(
  {
    label: Type.String({ minLength: 1, maxLength: 256 }),
    message: Type.String({ minLength: 1, maxLength: 10_000 }),
    icon: Type.Optional(Type.String({ maxLength: 2048 })),
    /** Starters with the same category are shown together (Chainlit's starter categories). */
    category: Type.Optional(Type.String({ maxLength: 128 })),
  },
  { additionalProperties: false },
);
export type StarterView = Static<typeof StarterView>;

/** A chat profile the user may start a conversation with (`hello.chatProfile` names it). */
export const ChatProfileView = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    /** Markdown. */
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    icon: Type.Optional(Type.String({ maxLength: 2048 })),
    /** The profile a hello without `chatProfile` gets (else the first). */
    default: Type.Optional(Type.Boolean()),
    /** This profile's starters (instead of `setStarters`'). */
    starters: Type.Optional(Type.Array(StarterView, { maxItems: 64 })),
  },
  { additionalProperties: false },
);
export type ChatProfileView = Static<typeof ChatProfileView>;

/** `GET /chat-profiles` answer: the profiles this user may choose from (empty when the app has none). */
export const ChatProfileList = Type.Object({ profiles: Type.Array(ChatProfileView) });
export type ChatProfileList = Static<typeof ChatProfileList>;
