// Modes (Chainlit's): pickers beside the composer, each with options (e.g. "Reasoning: low / high"); a message says
// which option of each mode it was sent with (`user_message.modes`).
import { type Static, Type } from "typebox";

const Id = Type.String({ minLength: 1, maxLength: 64 });

/** One option of a mode. */
export const ModeOption = Type.Object(
  {
    id: Id,
    name: Type.String({ maxLength: 256 }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    icon: Type.Optional(Type.String({ maxLength: 2048 })),
    /** The option a message gets when it names none of this mode (else the first). */
    default: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type ModeOption = Static<typeof ModeOption>;

/** A mode picker and its options. */
export const ModeView = Type.Object(
  {
    id: Id,
    name: Type.String({ maxLength: 256 }),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    options: Type.Array(ModeOption, { minItems: 1, maxItems: 64 }),
  },
  { additionalProperties: false },
);
export type ModeView = Static<typeof ModeView>;
