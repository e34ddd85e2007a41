// chatwire's frames as AG-UI events, for one run: messages and streams become text messages, tool steps tool
// calls, other steps steps; what AG-UI has no event for travels as a CUSTOM event named `chatwire.<frame type>`.
// A run sees only part of a session's frames (a stream may have started in an earlier run): every START is sent
// when first needed, and whatever is still open when the run ends is closed, so each run's stream is well formed.
import { type Event, EventType, type TextMessageRole } from "@ag-ui/core";
import type { OutgoingFrame } from "../../protocol/server.ts";
import type { MessageView, StepView } from "../../protocol/views.ts";

/** Writes one event to the run's stream. */
export type EventWriter = (event: Event) => void;

const roleOf = (role: MessageView["role"]): TextMessageRole => role;

/** The translation of one run's frames. */
export class RunEvents {
  readonly #write: EventWriter;
  /** Text messages started in this run and not ended. */
  readonly #openText = new Set<string>();
  /** Tool calls started in this run and not ended. */
  readonly #openTools = new Set<string>();
  /** Names of the non-tool steps running in this run, by step id. */
  readonly #openSteps = new Map<string, string>();

  constructor(write: EventWriter) {
    this.#write = write;
  }

  /** Translates one frame (without its seq). */
  frame(frame: OutgoingFrame): void {
    switch (frame.type) {
      case "message_new":
        this.#text(frame.message);
        return;
      case "stream_start":
        this.#startText(frame.message.id, roleOf(frame.message.role));
        if (frame.message.content !== "") this.#content(frame.message.id, frame.message.content);
        return;
      case "stream_token":
        if (frame.replace === true) {
          this.custom(frame); // AG-UI's text content only appends
          return;
        }
        this.#startText(frame.id, "assistant");
        if (frame.token !== "") this.#content(frame.id, frame.token);
        return;
      case "stream_end":
        this.#startText(frame.id, "assistant");
        this.#endText(frame.id);
        return;
      case "step_token":
        // A tool call's arguments stream as AG-UI's own deltas; anything else (output, a replace) as it is.
        if (frame.input === true && frame.replace !== true && this.#openTools.has(frame.id)) {
          this.#write({ type: EventType.TOOL_CALL_ARGS, toolCallId: frame.id, delta: frame.token });
        } else this.custom(frame);
        return;
      case "step":
        if (frame.step.type === "tool") this.#toolCall(frame.step);
        else this.#step(frame.step);
        return;
      default:
        this.custom(frame);
    }
  }

  /** A frame AG-UI has no event for, as it is. */
  custom(frame: OutgoingFrame): void {
    const { type, ...value } = frame;
    this.#write({ type: EventType.CUSTOM, name: `chatwire.${type}`, value });
  }

  /** Ends whatever this run opened and did not end (a stopped stream, an unfinished step). */
  closeAll(): void {
    for (const id of this.#openText) this.#endText(id);
    for (const id of this.#openTools) this.#write({ type: EventType.TOOL_CALL_END, toolCallId: id });
    this.#openTools.clear();
    for (const [id, stepName] of this.#openSteps) {
      this.#write({ type: EventType.STEP_FINISHED, stepName });
      this.#openSteps.delete(id);
    }
  }

  #text(message: MessageView): void {
    this.#startText(message.id, roleOf(message.role));
    if (message.content !== "") this.#content(message.id, message.content);
    this.#endText(message.id);
    // Actions and elements have no AG-UI event: the message goes out whole beside its text.
    if (message.actions.length > 0 || (message.elements?.length ?? 0) > 0) {
      this.#write({ type: EventType.CUSTOM, name: "chatwire.message", value: message });
    }
  }

  #startText(messageId: string, role: TextMessageRole): void {
    if (this.#openText.has(messageId)) return;
    this.#openText.add(messageId);
    this.#write({ type: EventType.TEXT_MESSAGE_START, messageId, role });
  }

  #content(messageId: string, delta: string): void {
    this.#write({ type: EventType.TEXT_MESSAGE_CONTENT, messageId, delta });
  }

  #endText(messageId: string): void {
    this.#openText.delete(messageId);
    this.#write({ type: EventType.TEXT_MESSAGE_END, messageId });
  }

  /** A tool step: START (with its input as the arguments) the first time, END and RESULT when it ends. */
  #toolCall(step: StepView): void {
    const toolCallId = step.id;
    if (!this.#openTools.has(toolCallId)) {
      this.#openTools.add(toolCallId);
      this.#write({
        type: EventType.TOOL_CALL_START,
        toolCallId,
        toolCallName: step.name,
        ...(step.parentId === undefined ? {} : { parentMessageId: step.parentId }),
      });
      if (step.input !== undefined && step.input !== "") {
        this.#write({ type: EventType.TOOL_CALL_ARGS, toolCallId, delta: step.input });
      }
    }
    if (step.end === undefined) return;
    this.#openTools.delete(toolCallId);
    this.#write({ type: EventType.TOOL_CALL_END, toolCallId });
    const content = step.error === undefined ? (step.output ?? "") : `error: ${step.error}`;
    this.#write({
      type: EventType.TOOL_CALL_RESULT,
      messageId: `${toolCallId}-result`,
      toolCallId,
      content,
      role: "tool",
    });
  }

  /** Another step: STEP_STARTED the first time, STEP_FINISHED when it ends. AG-UI knows steps by name only. */
  #step(step: StepView): void {
    if (!this.#openSteps.has(step.id)) {
      this.#openSteps.set(step.id, step.name);
      this.#write({ type: EventType.STEP_STARTED, stepName: step.name });
    }
    if (step.end === undefined) return;
    this.#openSteps.delete(step.id);
    this.#write({ type: EventType.STEP_FINISHED, stepName: step.name });
  }
}
