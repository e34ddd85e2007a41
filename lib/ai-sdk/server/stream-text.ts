// An AI SDK `streamText` result (`ai` v6, an optional peer) played into a chatwire task: text into a streamed
// answer, each model call an `llm` step with its reasoning and tool calls nested under it. Server side only.
import type { FinishReason, LanguageModelUsage, TextStreamPart, ToolSet } from "ai";
import type { ChatContext } from "../../context/context.ts";
import type { MessageHandle, MessageInit } from "../../context/message.ts";
import { type OpenStep, openStep, type StepParent, shownAsText } from "../../context/open-step.ts";
import type { StepInit } from "../../context/step.ts";

/** How the result is shown. */
export interface StreamTextOptions {
  /** The answer message (author, id, parentId…); it is sent at the first text delta. */
  readonly message?: MessageInit | undefined;
  /** The step to nest the model calls under (default: the task's top level). */
  readonly parent?: StepParent | undefined;
  /** The name of each model call's `llm` step (default: "LLM"). */
  readonly stepName?: string | undefined;
}

/** What was shown: the answer message (none when the model wrote no text), its text, and the usage of all calls. */
export interface StreamTextOutcome {
  readonly message: MessageHandle | undefined;
  readonly text: string;
  readonly usage: LanguageModelUsage | undefined;
  readonly finishReason: FinishReason | undefined;
}

/** The part of a `streamText` result this reads. */
export interface StreamTextSource<TOOLS extends ToolSet> {
  readonly fullStream: AsyncIterable<TextStreamPart<TOOLS>>;
}

/** The next part of `parts`, or the signal's reason once it aborts (the model may be stuck between parts). */
function nextOrAbort<T>(parts: AsyncIterator<T>, signal: AbortSignal): Promise<IteratorResult<T>> {
  if (signal.aborted) return Promise.reject(signal.reason);
  let onAbort: () => void = () => undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([parts.next(), aborted]).finally(() => signal.removeEventListener("abort", onAbort));
}

/**
 * Streams an AI SDK `streamText` result into the session: text deltas into a streamed answer message, each model
 * call an `llm` step with reasoning and tool calls (input, output, error) as steps under it, the total usage
 * reported with `ctx.reportUsage`. Stops reading when `ctx.signal` aborts (pass `abortSignal: ctx.signal` to
 * `streamText` so the model call stops too) and rethrows the abort's reason; a stream error ends the open steps
 * with it and is rethrown.
 * @example
 * const result = streamText({ model, prompt: message.content, tools, abortSignal: ctx.signal });
 * await streamTextToSession(ctx, result);
 */
export async function streamTextToSession<S extends object, TOOLS extends ToolSet>(
  ctx: ChatContext<S>,
  result: StreamTextSource<TOOLS>,
  options: StreamTextOptions = {},
): Promise<StreamTextOutcome> {
  const top = options.parent ?? ctx;
  const open = new Set<OpenStep>();
  const started: OpenStep[] = [];
  const start = async (parent: StepParent, init: StepInit) => {
    const step = await openStep(parent, init);
    open.add(step);
    started.push(step);
    return step;
  };
  const finish = (step: OpenStep | undefined, error?: unknown) => {
    if (step === undefined) return;
    open.delete(step);
    if (error === undefined) step.end();
    else step.fail(error);
  };
  let model: OpenStep | undefined;
  let modelText = "";
  let modelId: string | undefined;
  const reasoning = new Map<string, OpenStep>();
  const tools = new Map<string, OpenStep>();
  const toolStep = async (id: string, name: string, input?: string) => {
    const known = tools.get(id);
    if (known !== undefined) return known;
    const step = await start(model?.handle ?? top, { name, type: "tool", input });
    tools.set(id, step);
    return step;
  };
  let message: MessageHandle | undefined;
  let text = "";
  let usage: LanguageModelUsage | undefined;
  let finishReason: FinishReason | undefined;
  const parts = result.fullStream[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await nextOrAbort(parts, ctx.signal);
      if (next.done === true) break;
      const part = next.value;
      switch (part.type) {
        case "start-step":
          modelText = "";
          model = await start(top, { name: options.stepName ?? "LLM", type: "llm" });
          break;
        case "finish-step":
          modelId = part.response.modelId;
          if (model !== undefined && modelText !== "") model.handle.output = modelText;
          finish(model);
          model = undefined;
          break;
        case "text-delta":
          if (part.text === "") break;
          message ??= await ctx.stream(options.message);
          await message.streamToken(part.text);
          text += part.text;
          modelText += part.text;
          break;
        case "reasoning-start":
          reasoning.set(part.id, await start(model?.handle ?? top, { name: "Reasoning", type: "undefined" }));
          break;
        case "reasoning-delta":
          if (part.text !== "") await reasoning.get(part.id)?.handle.streamToken(part.text);
          break;
        case "reasoning-end":
          finish(reasoning.get(part.id));
          reasoning.delete(part.id);
          break;
        case "tool-input-start":
          await toolStep(part.id, part.toolName);
          break;
        case "tool-input-delta":
          await tools.get(part.id)?.handle.streamToken(part.delta, { input: true });
          break;
        case "tool-call": {
          const input = shownAsText(part.input);
          const step = await toolStep(part.toolCallId, part.toolName, input);
          if (step.handle.input !== input) {
            step.handle.input = input;
            await step.handle.update();
          }
          break;
        }
        case "tool-result": {
          const step = await toolStep(part.toolCallId, part.toolName, shownAsText(part.input));
          step.handle.output = shownAsText(part.output);
          finish(step);
          tools.delete(part.toolCallId);
          break;
        }
        case "tool-error":
          finish(await toolStep(part.toolCallId, part.toolName, shownAsText(part.input)), part.error ?? "tool failed");
          tools.delete(part.toolCallId);
          break;
        case "tool-output-denied":
          finish(await toolStep(part.toolCallId, part.toolName), new Error("the tool call was denied"));
          tools.delete(part.toolCallId);
          break;
        case "finish":
          usage = part.totalUsage;
          finishReason = part.finishReason;
          break;
        case "error":
          throw part.error;
        case "abort":
          // The model call was aborted (its abortSignal): our own signal says why, when it is ctx.signal.
          if (ctx.signal.aborted) throw ctx.signal.reason;
          throw new Error(part.reason ?? "the model call was aborted");
        default:
          break; // text-start/end, sources, files, raw chunks, approval requests: nothing to show
      }
    }
  } catch (error) {
    for (const step of [...open]) finish(step, error);
    // Not awaited: an iterator's return may wait for the read in flight (a ReadableStream's does by spec), which a
    // model that ignores the abort never ends.
    void Promise.resolve(parts.return?.()).catch(() => undefined);
    throw error;
  } finally {
    for (const step of [...open]) finish(step);
    await Promise.all(started.map((step) => step.closed)); // every step's end is sent before we return
  }
  await message?.endStream();
  if (usage?.inputTokens !== undefined && usage.outputTokens !== undefined) {
    await ctx.reportUsage({ inputTokens: usage.inputTokens, outputTokens: usage.outputTokens, model: modelId });
  }
  return { message, text, usage, finishReason };
}
