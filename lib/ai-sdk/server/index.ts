// chatwire/ai-sdk/server: an AI SDK `streamText` result (`ai` v6, an optional peer dependency) shown in a session.

export type { OpenStep, StepParent } from "../../context/open-step.ts";
export {
  type StreamTextOptions,
  type StreamTextOutcome,
  type StreamTextSource,
  streamTextToSession,
} from "./stream-text.ts";
