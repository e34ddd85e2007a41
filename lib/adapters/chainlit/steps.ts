// chatwire's messages, steps and elements in Chainlit's shapes (StepDict, ElementDict, Action, ThreadDict), as
// Chainlit's front ends render them.
import type { HistoryEntry } from "../../protocol/server.ts";
import type { SettingsInput, SettingsValues } from "../../protocol/settings.ts";
import type { ActionView, ElementView, MessageView, StepView } from "../../protocol/views.ts";

/** Chainlit's StepDict: a message or a step (the fields its React client reads). */
export interface StepDict {
  id: string;
  threadId: string;
  parentId?: string | undefined;
  name: string;
  type: string;
  output: string;
  input?: string | undefined;
  createdAt: string;
  start?: string | undefined;
  end?: string | undefined;
  streaming: boolean;
  isError?: boolean | undefined;
  icon?: string | undefined;
  metadata: Record<string, unknown>;
}

const messageType = { user: "user_message", assistant: "assistant_message", system: "system_message" } as const;

/** A message as a StepDict. */
export const messageStep = (threadId: string, message: MessageView, streaming = false): StepDict => ({
  id: message.id,
  threadId,
  ...(message.parentId === undefined ? {} : { parentId: message.parentId }),
  name: message.author,
  type: messageType[message.role],
  output: message.content,
  createdAt: message.createdAt,
  streaming,
  metadata: {},
});

/** A step as a StepDict. */
export const stepStep = (threadId: string, step: StepView): StepDict => ({
  id: step.id,
  threadId,
  ...(step.parentId === undefined ? {} : { parentId: step.parentId }),
  name: step.name,
  type: step.type,
  output: step.error ?? step.output ?? "",
  ...(step.input === undefined ? {} : { input: step.input }),
  createdAt: step.start,
  start: step.start,
  ...(step.end === undefined ? {} : { end: step.end }),
  streaming: false,
  ...(step.error === undefined ? {} : { isError: true }),
  ...(step.icon === undefined ? {} : { icon: step.icon }),
  metadata: {},
});

/** An action button as Chainlit's Action dict. */
export const chainlitAction = (action: ActionView) => ({
  id: action.id,
  name: action.name,
  payload: action.payload,
  label: action.label,
  ...(action.tooltip === undefined ? {} : { tooltip: action.tooltip }),
  ...(action.icon === undefined ? {} : { icon: action.icon }),
  forId: action.messageId,
});

/** Chainlit's element type for a MIME type. */
function elementType(mime: string | undefined): string {
  const kind = mime?.split("/")[0];
  if (kind === "image" || kind === "audio" || kind === "video") return kind;
  if (mime === "application/pdf") return "pdf";
  return "file";
}

/** An element as Chainlit's ElementDict. */
export const chainlitElement = (threadId: string, forId: string, element: ElementView) => ({
  id: element.id,
  threadId,
  // Chainlit has no vega element: such a chart goes as a custom element with its spec in props.
  type: element.kind === "vega" ? "custom" : (element.kind ?? elementType(element.mime)),
  name: element.name,
  url: element.url,
  display: element.display ?? "inline",
  forId,
  ...(element.mime === undefined ? {} : { mime: element.mime }),
  ...(element.props === undefined ? {} : { props: element.props }),
});

/** chatwire's widget types by Chainlit's names (InputWidget `type`). */
const widgetTypes: Record<SettingsInput["type"], string> = {
  select: "select",
  switch: "switch",
  slider: "slider",
  number: "numberinput",
  text: "textinput",
  tags: "tags",
  multiselect: "multiselect",
};

/** A settings form as Chainlit's `chat_settings` payload: its widgets, each with the current value as `initial`. */
export const chainlitSettings = (inputs: readonly SettingsInput[], values: SettingsValues) =>
  inputs.map((input) => ({ ...input, type: widgetTypes[input.type], initial: values[input.id] ?? input.initial }));

/** A reopened thread's history as Chainlit's ThreadDict. */
export function threadDict(threadId: string, name: string | undefined, history: readonly HistoryEntry[]) {
  const steps = history.map((entry) => {
    const { kind, feedback, ...rest } = entry;
    const step =
      kind === "message"
        ? messageStep(threadId, rest as unknown as MessageView)
        : stepStep(threadId, rest as unknown as StepView);
    return feedback === undefined
      ? step
      : {
          ...step,
          feedback: { id: feedback.id, forId: feedback.forId, value: feedback.value, comment: feedback.comment },
        };
  });
  const elements = history.flatMap((entry) =>
    entry.kind === "message"
      ? (entry.elements ?? []).map((element) => chainlitElement(threadId, entry.id, element))
      : [],
  );
  return {
    id: threadId,
    name: name ?? null,
    createdAt: steps[0]?.createdAt ?? new Date().toISOString(),
    steps,
    elements,
    metadata: {},
    tags: [],
  };
}

/** The upload ids of Chainlit's file references (`[{ id }]`, a message's or a file ask's answer); the session checks
 * that each is an upload of its own. */
export const fileIds = (references: unknown): string[] =>
  Array.isArray(references)
    ? references.slice(0, 20).flatMap((reference: { id?: unknown } | null) => {
        const id = reference?.id;
        return typeof id === "string" && id.length > 0 && id.length <= 64 ? [id] : [];
      })
    : [];
