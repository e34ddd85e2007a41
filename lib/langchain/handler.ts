// LangChain.js runs as chatwire steps (`@langchain/core` ^1, an optional peer): Chainlit's LangchainCallbackHandler.
// Chain, LLM, tool and retriever runs become steps nested by their run ids; LangChain's plumbing runs are skipped.
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import type { DocumentInterface } from "@langchain/core/documents";
import type { Serialized } from "@langchain/core/load/serializable";
import type { BaseMessage } from "@langchain/core/messages";
import type { LLMResult } from "@langchain/core/outputs";
import type { ChainValues } from "@langchain/core/utils/types";
import type { MessageHandle, MessageInit } from "../context/message.ts";
import { type OpenStep, openStep, type StepParent, shownAsText } from "../context/open-step.ts";
import type { StepInit } from "../context/step.ts";
import type { UsageReport } from "../context/usage.ts";

/**
 * The runs skipped by default, by name or class: LangChain's own plumbing (sequences, lambdas, maps, passthroughs)
 * and LangGraph's channel reads and writes. Their children are shown under the skipped run's parent.
 */
export const DEFAULT_IGNORED_RUNS: readonly string[] = Object.freeze([
  "RunnableSequence",
  "RunnableLambda",
  "RunnableParallel",
  "RunnableMap",
  "RunnableAssign",
  "RunnablePassthrough",
  "RunnablePick",
  "ChannelRead",
  "ChannelWrite",
  "__start__",
  "__end__",
]);

/** What the handler needs of a task's context (a ChatContext has it): steps, a stream for the answer, and where
 * token usage goes (without `reportUsage`, usage is not reported). */
export interface LangchainTarget extends StepParent {
  stream(message?: MessageInit): Promise<MessageHandle>;
  reportUsage?(usage: UsageReport): Promise<void>;
}

/** How runs are shown. */
export interface LangchainHandlerOptions {
  /** Where an LLM's tokens go: its step's output (default), or a streamed answer message per LLM run that writes
   * text (Chainlit's `stream_final_answer`). The step gets the whole output at the end either way. */
  readonly tokens?: "step" | "answer" | undefined;
  /** The answer message's author, id…, with `tokens: "answer"`. */
  readonly answer?: MessageInit | undefined;
  /** Run names or classes not shown (default: DEFAULT_IGNORED_RUNS); runs tagged `langsmith:hidden` never are. */
  readonly ignore?: readonly string[] | undefined;
  /** The step to nest the top-level runs under (default: the task's top level). */
  readonly parent?: StepParent | undefined;
  /** Report each model call's token usage with `ctx.reportUsage` (default true), when the model gives it. */
  readonly usage?: boolean | undefined;
}

/** A run as the handler tracks it: its step (none when skipped, or when it could not be sent), and its parent's id. */
interface Run {
  readonly step: Promise<OpenStep | undefined>;
  readonly parentRunId: string | undefined;
  answer?: Promise<MessageHandle> | undefined;
  /** An LLM run's model name, for its usage report (LangChain's `ls_model_name` metadata). */
  model?: string | undefined;
}

/** The text of chat messages, one `role: text` line each. */
const shownMessages = (messages: readonly BaseMessage[]) =>
  messages.map((message) => `${message.type}: ${message.text}`).join("\n");

/** The first generation's text: what an LLM run answered. */
const shownResult = (result: LLMResult) => result.generations[0]?.[0]?.text;

const isCount = (value: unknown): value is number =>
  typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** The tokens an LLM run used, where the model said: a chat model's `usage_metadata` on its message, or the older
 * `llmOutput.tokenUsage` of completion models. */
function usageOf(result: LLMResult): { inputTokens: number; outputTokens: number } | undefined {
  const generation: unknown = result.generations[0]?.[0];
  const message =
    typeof generation === "object" && generation !== null && "message" in generation ? generation.message : undefined;
  const metadata =
    typeof message === "object" && message !== null && "usage_metadata" in message ? message.usage_metadata : undefined;
  if (typeof metadata === "object" && metadata !== null && "input_tokens" in metadata && "output_tokens" in metadata) {
    const { input_tokens: inputTokens, output_tokens: outputTokens } = metadata;
    if (isCount(inputTokens) && isCount(outputTokens)) return { inputTokens, outputTokens };
  }
  const legacy: unknown = result.llmOutput?.tokenUsage;
  if (typeof legacy === "object" && legacy !== null && "promptTokens" in legacy && "completionTokens" in legacy) {
    const { promptTokens: inputTokens, completionTokens: outputTokens } = legacy;
    if (isCount(inputTokens) && isCount(outputTokens)) return { inputTokens, outputTokens };
  }
  return undefined;
}

/** The model's name from a run's metadata (`ls_model_name`, set by LangChain's chat models), if short enough. */
const modelOf = (metadata: Record<string, unknown> | undefined) => {
  const name = metadata?.ls_model_name;
  return typeof name === "string" && name.length > 0 && name.length <= 128 ? name : undefined;
};

/** Whether `value` is a prompt value (a chat prompt's output), which shows as its messages. */
const isPromptValue = (value: object): value is { toChatMessages(): BaseMessage[] } =>
  "toChatMessages" in value && typeof value.toChatMessages === "function";

/** A chain's values, or the single value when there is one; none for an empty input (a streamed one). */
function shownValues(values: ChainValues | unknown): string | undefined {
  if (values === "" || values === undefined) return undefined;
  if (typeof values === "object" && values !== null && isPromptValue(values)) {
    return shownMessages(values.toChatMessages());
  }
  if (typeof values === "object" && values !== null && !Array.isArray(values)) {
    const entries = Object.values(values);
    if (entries.length === 1) return shownValues(entries[0]);
  }
  return shownAsText(values);
}

/**
 * A LangChain.js callback handler that shows a chain's work as nested steps of the running task (Chainlit's
 * `LangchainCallbackHandler`): chains as `run` steps, chat models and LLMs as `llm`, tools as `tool` and retrievers
 * as `retrieval`, each with input, output or error. Pass it per call, in `callbacks`.
 * @example
 * const answer = await chain.invoke({ question: message.content }, { callbacks: [new LangchainCallbackHandler(ctx)] });
 */
export class LangchainCallbackHandler extends BaseCallbackHandler {
  name = "chatwire";
  /** LangChain waits for each callback: steps and tokens reach the client in the order of the run, at its pace. */
  override awaitHandlers = true;

  readonly #target: LangchainTarget;
  readonly #top: StepParent;
  readonly #tokens: "step" | "answer";
  readonly #answer: MessageInit | undefined;
  readonly #ignore: ReadonlySet<string>;
  readonly #runs = new Map<string, Run>();
  readonly #options: LangchainHandlerOptions;

  constructor(target: LangchainTarget, options: LangchainHandlerOptions = {}) {
    super();
    this.#target = target;
    this.#options = options;
    this.#top = options.parent ?? target;
    this.#tokens = options.tokens ?? "step";
    this.#answer = options.answer;
    this.#ignore = new Set(options.ignore ?? DEFAULT_IGNORED_RUNS);
  }

  /** A handler for the same task with the same options and no runs (BaseCallbackHandler's would pass itself as
   * the target). */
  override copy(): LangchainCallbackHandler {
    return new LangchainCallbackHandler(this.#target, this.#options);
  }

  /** The step a run's children go under: the nearest shown ancestor's, or the top. */
  async #parentOf(parentRunId: string | undefined): Promise<StepParent> {
    for (let id = parentRunId; id !== undefined; ) {
      const run = this.#runs.get(id);
      if (run === undefined) break;
      const step = await run.step;
      if (step !== undefined) return step.handle;
      id = run.parentRunId;
    }
    return this.#top;
  }

  #start(runId: string, parentRunId: string | undefined, init: StepInit | undefined): Promise<void> {
    const step =
      init === undefined
        ? Promise.resolve(undefined)
        : this.#parentOf(parentRunId).then(
            (parent) => openStep(parent, init),
            () => undefined,
          );
    // A step that could not be sent (the task was stopped) is no step: its children go further up.
    const shown = step.catch(() => undefined);
    this.#runs.set(runId, { step: shown, parentRunId });
    return shown.then(() => undefined);
  }

  async #end(runId: string, output: string | undefined, error?: unknown): Promise<void> {
    const run = this.#runs.get(runId);
    if (run === undefined) return;
    this.#runs.delete(runId);
    const answer = await run.answer?.catch(() => undefined);
    await answer?.endStream();
    const step = await run.step;
    if (step === undefined) return;
    if (error !== undefined) step.fail(error);
    else {
      if (output !== undefined) step.handle.output = output;
      step.end();
    }
    await step.closed;
  }

  #skipped(kind: Serialized, name: string | undefined, tags: readonly string[] | undefined): boolean {
    if (tags?.includes("langsmith:hidden") === true) return true;
    // LangChain names a run after its class unless it was given a name: a named lambda is shown, a bare one is not.
    return this.#ignore.has(name ?? kind.id.at(-1) ?? "");
  }

  #nameOf(kind: Serialized, name: string | undefined): string {
    return name ?? kind.name ?? kind.id.at(-1) ?? "Run";
  }

  // LangChain's CallbackManager calls this with (chain, inputs, runId, parentRunId, tags, metadata, runType, runName),
  // not in the order its declaration names them (callbacks/manager.js): the parameters are named as they arrive.
  override async handleChainStart(
    chain: Serialized,
    inputs: ChainValues,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    _metadata?: Record<string, unknown>,
    _runType?: string,
    runName?: string,
  ): Promise<void> {
    const skip = this.#skipped(chain, runName, tags);
    const init = { name: this.#nameOf(chain, runName), type: "run", input: shownValues(inputs) } as const;
    await this.#start(runId, parentRunId, skip ? undefined : init);
  }

  override async handleChainEnd(outputs: ChainValues, runId: string): Promise<void> {
    await this.#end(runId, shownValues(outputs));
  }

  override async handleChainError(error: Error, runId: string): Promise<void> {
    await this.#end(runId, undefined, error);
  }

  override async handleChatModelStart(
    llm: Serialized,
    messages: BaseMessage[][],
    runId: string,
    parentRunId?: string,
    _extra?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): Promise<void> {
    const init = { name: this.#nameOf(llm, runName), type: "llm", input: shownMessages(messages[0] ?? []) } as const;
    const started = this.#start(runId, parentRunId, this.#skipped(llm, runName, tags) ? undefined : init);
    this.#modelOfRun(runId, metadata);
    await started;
  }

  override async handleLLMStart(
    llm: Serialized,
    prompts: string[],
    runId: string,
    parentRunId?: string,
    _extra?: Record<string, unknown>,
    tags?: string[],
    metadata?: Record<string, unknown>,
    runName?: string,
  ): Promise<void> {
    const init = { name: this.#nameOf(llm, runName), type: "llm", input: prompts.join("\n\n") } as const;
    const started = this.#start(runId, parentRunId, this.#skipped(llm, runName, tags) ? undefined : init);
    this.#modelOfRun(runId, metadata);
    await started;
  }

  #modelOfRun(runId: string, metadata: Record<string, unknown> | undefined): void {
    const run = this.#runs.get(runId);
    if (run !== undefined) run.model = modelOf(metadata);
  }

  override async handleLLMNewToken(token: string, _index: unknown, runId: string): Promise<void> {
    const run = this.#runs.get(runId);
    if (run === undefined || token === "") return;
    if (this.#tokens === "answer") {
      run.answer ??= this.#target.stream(this.#answer);
      await (await run.answer).streamToken(token);
      return;
    }
    await (await run.step)?.handle.streamToken(token);
  }

  override async handleLLMEnd(output: LLMResult, runId: string): Promise<void> {
    const model = this.#runs.get(runId)?.model;
    await this.#end(runId, shownResult(output));
    const used = this.#options.usage === false ? undefined : usageOf(output);
    // Even a skipped (hidden) model run used tokens: they are counted.
    // A stopped task refuses to send: its last call's usage is then not reported.
    if (used !== undefined) await this.#target.reportUsage?.({ ...used, model }).catch(() => undefined);
  }

  override async handleLLMError(error: Error, runId: string): Promise<void> {
    await this.#end(runId, undefined, error);
  }

  override async handleToolStart(
    tool: Serialized,
    input: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    _metadata?: Record<string, unknown>,
    runName?: string,
  ): Promise<void> {
    const init = { name: this.#nameOf(tool, runName), type: "tool", input } as const;
    await this.#start(runId, parentRunId, this.#skipped(tool, runName, tags) ? undefined : init);
  }

  override async handleToolEnd(output: unknown, runId: string): Promise<void> {
    // A tool's result is usually a ToolMessage: its content is what the tool said.
    const said = typeof output === "object" && output !== null && "content" in output ? output.content : output;
    await this.#end(runId, shownAsText(said));
  }

  override async handleToolError(error: Error, runId: string): Promise<void> {
    await this.#end(runId, undefined, error);
  }

  override async handleRetrieverStart(
    retriever: Serialized,
    query: string,
    runId: string,
    parentRunId?: string,
    tags?: string[],
    _metadata?: Record<string, unknown>,
    name?: string,
  ): Promise<void> {
    const init = { name: this.#nameOf(retriever, name), type: "retrieval", input: query } as const;
    await this.#start(runId, parentRunId, this.#skipped(retriever, name, tags) ? undefined : init);
  }

  override async handleRetrieverEnd(documents: DocumentInterface[], runId: string): Promise<void> {
    await this.#end(runId, shownAsText(documents.map((document) => document.pageContent)));
  }

  override async handleRetrieverError(error: Error, runId: string): Promise<void> {
    await this.#end(runId, undefined, error);
  }
}
