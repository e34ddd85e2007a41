// chatwire frames as the AI SDK's UI message chunks: messages become text parts (streamed ones token by token),
// tool-like steps dynamic tool parts, llm steps reasoning parts, elements file parts; what has no part of its own
// (run steps, actions, asks, updates of a finished message) travels as `data-chatwire-*` parts, replaced by id.
import type { UIMessageChunk } from "ai";
import type { MessageView, ServerFrame, StepView } from "../protocol/index.ts";

/** The step types shown as tool calls; `llm` steps are reasoning, the rest (`run`, `undefined`) data parts. */
const TOOL_STEPS = new Set<StepView["type"]>(["tool", "retrieval", "rerank", "embedding"]);

/** Turns one turn's frames into chunks; it remembers which parts it opened. */
export class ChunkMapper {
  /** Streams whose text part is open. */
  readonly #streaming = new Set<string>();
  /** Steps seen, so a step's start and end make one part. */
  readonly #steps = new Set<string>();

  /** The chunks for one frame (none for frames that are not part of a message). */
  map(frame: ServerFrame): UIMessageChunk[] {
    switch (frame.type) {
      case "stream_start":
        this.#streaming.add(frame.message.id);
        return [
          { type: "text-start", id: frame.message.id },
          ...(frame.message.content === "" ? [] : [delta(frame.message.id, frame.message.content)]),
          ...extras(frame.message),
        ];
      case "stream_token":
        if (!this.#streaming.has(frame.id)) return [];
        // A text part only grows: a replace travels as a data part the UI applies by the message's id.
        if (frame.replace === true) {
          return [{ type: "data-chatwire-replace", id: frame.id, data: { id: frame.id, content: frame.token } }];
        }
        return [delta(frame.id, frame.token)];
      case "stream_end":
        if (!this.#streaming.delete(frame.id)) return [];
        return [{ type: "text-end", id: frame.id }];
      case "message_new":
        return frame.message.role === "user" ? [] : [...text(frame.message), ...extras(frame.message)];
      case "message_update":
        return [{ type: "data-chatwire-message", id: frame.message.id, data: frame.message }];
      case "message_delete":
        return [{ type: "data-chatwire-delete", id: frame.id, data: { id: frame.id } }];
      case "step":
        return this.#step(frame.step);
      case "ask":
        return [
          ...text(frame.message),
          ...extras(frame.message),
          { type: "data-chatwire-ask", id: frame.askId, data: { askId: frame.askId, kind: frame.kind, open: true } },
        ];
      case "ask_end":
        return [
          {
            type: "data-chatwire-ask",
            id: frame.askId,
            data: { askId: frame.askId, open: false, outcome: frame.outcome },
          },
        ];
      case "error":
        return [{ type: "data-chatwire-error", data: { code: frame.code, message: frame.message } }];
      default:
        return [];
    }
  }

  /** Closes the text parts still open (the turn ended without their stream_end: stopped, or failed). */
  close(): UIMessageChunk[] {
    const open = [...this.#streaming];
    this.#streaming.clear();
    return open.map((id) => ({ type: "text-end", id }));
  }

  #step(step: StepView): UIMessageChunk[] {
    const first = !this.#steps.has(step.id);
    this.#steps.add(step.id);
    const ended = step.end !== undefined;
    if (TOOL_STEPS.has(step.type)) {
      const toolCallId = step.id;
      const input: UIMessageChunk[] = first
        ? [{ type: "tool-input-available", toolCallId, toolName: step.name, input: step.input ?? null, dynamic: true }]
        : [];
      if (!ended) return input;
      const output: UIMessageChunk =
        step.error === undefined
          ? { type: "tool-output-available", toolCallId, output: step.output ?? null, dynamic: true }
          : { type: "tool-output-error", toolCallId, errorText: step.error, dynamic: true };
      return [...input, output];
    }
    if (step.type === "llm") {
      const start: UIMessageChunk[] = first ? [{ type: "reasoning-start", id: step.id }] : [];
      if (!ended) return start;
      const said = step.output ?? step.error;
      const body: UIMessageChunk[] = said ? [{ type: "reasoning-delta", id: step.id, delta: said }] : [];
      return [...start, ...body, { type: "reasoning-end", id: step.id }];
    }
    return [{ type: "data-chatwire-step", id: step.id, data: step }];
  }
}

const delta = (id: string, text: string): UIMessageChunk => ({ type: "text-delta", id, delta: text });

/** A whole message as one text part. */
const text = (message: MessageView): UIMessageChunk[] => [
  { type: "text-start", id: message.id },
  delta(message.id, message.content),
  { type: "text-end", id: message.id },
];

/** A message's elements (as files) and actions (as a data part). */
function extras(message: MessageView): UIMessageChunk[] {
  const files: UIMessageChunk[] = (message.elements ?? []).flatMap((element) =>
    element.url === undefined
      ? []
      : [{ type: "file" as const, url: element.url, mediaType: element.mime ?? "application/octet-stream" }],
  );
  if (message.actions.length === 0) return files;
  return [...files, { type: "data-chatwire-actions", id: message.id, data: message.actions }];
}
