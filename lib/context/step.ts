// A step: a visible unit of work (tool call, LLM call) with input, output, error and timings, nestable.
import { ChatwireError } from "../errors.ts";
import type { StepType, StepView } from "../protocol/views.ts";
import { DerivedInit } from "./derived-init.ts";
import { claimId } from "./ids.ts";
import type { ContextInit } from "./init.ts";
import {
  type EventMessageHandle,
  type MessageHandle,
  type MessageInit,
  SentMessage,
  type StreamTokenOptions,
} from "./message.ts";

/** What a step is called and what kind it is. */
export interface StepInit {
  /** The step's id (1 to 64 of `A-Z a-z 0-9 _ - . :`); default: a new one. An id the thread already has is refused
   * (`DUPLICATE_ID`). */
  readonly id?: string | undefined;
  readonly name: string;
  readonly type?: StepType | undefined;
  readonly input?: string | undefined;
  /** An icon shown with the step: a URL or an icon name the client knows (e.g. a Lucide name); at most 2048
   * characters. Chainlit's `@cl.step(icon=...)`. */
  readonly icon?: string | undefined;
}

/** A running step, as an event handler gets it: its messages cannot be streamed into. */
export interface EventStepHandle {
  readonly id: string;
  readonly name: string;
  /** The step's icon; change it and call `update()` to show another. */
  icon: string | undefined;
  input: string | undefined;
  output: string | undefined;
  /** Runs a child step nested under this one. */
  step<T>(init: StepInit, run: (step: EventStepHandle) => T | Promise<T>): Promise<T>;
  /** Sends a message nested under this step. */
  send(message: string | MessageInit): Promise<EventMessageHandle>;
  /** Sends the step's current state now (e.g. after changing `output` mid-way). */
  update(): Promise<void>;
  /** Removes the step from the conversation (and the stored thread); Chainlit's `step.remove()`. */
  remove(): Promise<void>;
}

/** Where a step's token goes: its output (default) or its input, appended or in place of the text so far. */
export interface StepTokenOptions extends StreamTokenOptions {
  /** Stream into the step's input instead of its output (Chainlit's `is_input=True`). */
  readonly input?: boolean | undefined;
}

/** A running step. Set `input`/`output` as you go; the step is sent when it starts and when it ends. */
export interface StepHandle extends EventStepHandle {
  /** Appends a token to the step's output (or input), sent at once; the step's end carries the whole text. */
  streamToken(token: string, options?: StepTokenOptions): Promise<void>;
  /** Runs a child step nested under this one. */
  step<T>(init: StepInit, run: (step: StepHandle) => T | Promise<T>): Promise<T>;
  /** Sends a message nested under this step. */
  send(message: string | MessageInit): Promise<MessageHandle>;
}

/** The longest icon (a URL or a name) a step frame carries: a longer one is the app's bug, thrown where it is sent. */
const MAX_ICON = 2048;

function checkedIcon(icon: unknown): string {
  if (typeof icon !== "string" || icon.length > MAX_ICON) {
    throw new ChatwireError("INVALID_HOOK", `a step's icon is a string of at most ${MAX_ICON} characters`);
  }
  return icon;
}

class RunningStep<S extends object> implements StepHandle {
  readonly id: string;
  readonly name: string;
  readonly type: StepType;
  readonly start: string;
  icon: string | undefined;
  input: string | undefined;
  output: string | undefined;
  error: string | undefined;
  end: string | undefined;

  private readonly init: ContextInit<S>;
  readonly parentId: string | undefined;
  /** Its place in a durable turn (turn-memo.ts): its children's places start with it. */
  readonly place: string;

  constructor(init: ContextInit<S>, step: StepInit, parentId: string | undefined, place = "") {
    this.init = init;
    this.parentId = parentId;
    this.place = place;
    this.id = step.id === undefined ? init.newId() : claimId(init, step.id);
    this.name = step.name;
    this.type = step.type ?? "undefined";
    this.icon = step.icon;
    this.input = step.input;
    this.start = init.now().toISOString();
  }

  /** What the step was made from (its sends and children use it). */
  get context(): ContextInit<S> {
    return this.init;
  }

  view(): StepView {
    const view: StepView = { id: this.id, name: this.name, type: this.type, start: this.start };
    if (this.parentId !== undefined) view.parentId = this.parentId;
    if (this.icon !== undefined) view.icon = checkedIcon(this.icon);
    if (this.input !== undefined) view.input = this.input;
    if (this.output !== undefined) view.output = this.output;
    if (this.error !== undefined) view.error = this.error;
    if (this.end !== undefined) view.end = this.end;
    return view;
  }

  async update(): Promise<void> {
    if (this.removed) return;
    await this.init.emit({ type: "step", step: this.view() });
  }

  removed = false;

  async streamToken(token: string, options?: StepTokenOptions): Promise<void> {
    if (this.removed) return;
    const input = options?.input === true;
    const replace = options?.replace === true;
    const text = (replace ? "" : ((input ? this.input : this.output) ?? "")) + token;
    if (input) this.input = text;
    else this.output = text;
    await this.init.emit({
      type: "step_token",
      id: this.id,
      token,
      ...(input ? { input } : {}),
      ...(replace ? { replace } : {}),
    });
  }

  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    await this.init.emit({ type: "message_delete", id: this.id });
  }

  step<T>(init: StepInit, run: (step: StepHandle) => T | Promise<T>): Promise<T> {
    return runStep(this.init, init, this.id, run, this.place);
  }

  async send(message: string | MessageInit): Promise<MessageHandle> {
    const init = typeof message === "string" ? { content: message } : message;
    return new SentMessage(this.init, { ...init, parentId: this.id }).open(false);
  }
}

/** What a step's callback returned, as its output: text as it is, anything else as JSON (undefined: none). */
function outputOf(result: unknown): string | undefined {
  if (result === undefined || typeof result === "string") return result;
  try {
    return JSON.stringify(result) ?? String(result);
  } catch {
    return String(result); // a cycle or a BigInt: still something to show
  }
}

/** Runs `run` as a step: sends it at the start, and at the end with its output (what `run` returned, unless it set
 * `output`), or its error (then rethrows). In a durable turn (`init.turn`), a step that finished in an earlier
 * attempt gives back its stored output without running or being sent again; one that finishes now is remembered,
 * committed before the turn goes on. */
export async function runStep<S extends object, T>(
  init: ContextInit<S>,
  stepInit: StepInit,
  parentId: string | undefined,
  run: (step: StepHandle) => T | Promise<T>,
  parentPlace = "",
): Promise<T> {
  const memo = init.turn;
  if (memo === undefined) return stepOnce(new RunningStep(init, stepInit, parentId), run);
  const place = memo.place(parentPlace, stepInit.name);
  const recalled = memo.recall(place);
  if (recalled !== undefined) return recalled.value as T;
  // Ids made inside the step (its own, its messages', its children's) depend on its place only: the same again on
  // a later attempt, whichever steps before it were recalled.
  const scoped: ContextInit<S> = new DerivedInit(init, { newId: memo.idsUnder(place) });
  const result = await stepOnce(new RunningStep(scoped, stepInit, parentId, place), run);
  await memo.remember(place, result);
  return result;
}

async function stepOnce<S extends object, T>(
  step: RunningStep<S>,
  run: (step: StepHandle) => T | Promise<T>,
): Promise<T> {
  const init = step.context;
  await step.update();
  try {
    // The step's span is the active trace context while its callback runs (when the app traces).
    const result = await (init.spans === undefined ? run(step) : init.spans.within(step.id, run, step));
    step.output ??= outputOf(result);
    return result;
  } catch (error) {
    step.error = error instanceof Error ? error.message : String(error);
    throw error;
  } finally {
    step.end = init.now().toISOString();
    await step.update();
  }
}
