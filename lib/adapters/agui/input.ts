// The AG-UI run input (RunAgentInput), as far as chatwire reads it: checked with typebox like every frame, open to
// the fields it ignores (tools, context, forwardedProps, state: the server's hooks own the state).
import { type Static, Type } from "typebox";
import { compiledAtFirstUse } from "../../protocol/validators.ts";

const Id = Type.String({ minLength: 1, maxLength: 64 });
const open = { additionalProperties: true } as const;

/** A part of a multimodal message: only text parts become text. */
const ContentPart = Type.Object({ type: Type.String(), text: Type.Optional(Type.String()) }, open);

/** One message of the conversation the client holds. */
export const AguiMessage = Type.Object(
  {
    id: Type.String({ minLength: 1 }),
    role: Type.String(),
    content: Type.Optional(Type.Union([Type.String(), Type.Array(ContentPart), Type.Null()])),
  },
  open,
);
export type AguiMessage = Static<typeof AguiMessage>;

/** The answer to an interrupt (chatwire's ask) of the previous run. */
export const AguiResume = Type.Object(
  {
    interruptId: Id,
    status: Type.Union([Type.Literal("resolved"), Type.Literal("cancelled")]),
    payload: Type.Optional(Type.Unknown()),
  },
  open,
);
export type AguiResume = Static<typeof AguiResume>;

/** POST body of a run. */
export const AguiRunInput = Type.Object(
  {
    threadId: Id,
    runId: Type.String({ minLength: 1, maxLength: 128 }),
    messages: Type.Array(AguiMessage),
    resume: Type.Optional(Type.Array(AguiResume)),
  },
  open,
);
export type AguiRunInput = Static<typeof AguiRunInput>;

const validator = compiledAtFirstUse(AguiRunInput);

/** Checks a request body; the error names the first field that is wrong. Compiled at the first run. */
export function checkRunInput(value: unknown): { ok: true; input: AguiRunInput } | { ok: false; message: string } {
  if (validator.Check(value)) return { ok: true, input: value };
  for (const error of validator.Errors(value)) {
    const { instancePath, message } = error as { instancePath?: string; message?: string };
    return { ok: false, message: `not a RunAgentInput: ${instancePath || "/"} ${message ?? "is invalid"}` };
  }
  return { ok: false, message: "not a RunAgentInput" };
}

/** The text of a message's content: a string, or its text parts joined. */
export function textOf(message: AguiMessage): string {
  const { content } = message;
  if (typeof content === "string") return content;
  if (content == null) return "";
  return content.flatMap((part) => (part.type === "text" && part.text !== undefined ? [part.text] : [])).join("");
}
