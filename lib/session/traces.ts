// OpenTelemetry spans for a session's tasks and steps, read off the frames it sends, through `@opentelemetry/api`
// alone (an optional peer): no SDK, no exporter. Without the package nothing is loaded; without a registered
// tracer provider each task costs one no-op span and its steps none.
import type { Span, Tracer } from "@opentelemetry/api";
import type { ActiveSpans } from "../context/init.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { StepView } from "../protocol/views.ts";

type Api = typeof import("@opentelemetry/api");

/** The session's spans: told every frame the session sends, and why a task failed; `within` makes one active. */
export interface FrameTracer extends ActiveSpans {
  record(frame: OutgoingFrame): void;
  /** The running task failed with `error` (its span's status becomes ERROR). */
  taskFailed(error: unknown): void;
  /** Ends every span still open (the session is over). */
  close(): void;
}

/** A gateway's tracing: a FrameTracer for each session. */
export interface Tracing {
  forSession(sessionId: string, threadId: string): FrameTracer;
}

/** The attribute names a span carries. */
export const SpanAttributes = Object.freeze({
  sessionId: "chatwire.session.id",
  threadId: "chatwire.thread.id",
  taskId: "chatwire.task.id",
  taskAborted: "chatwire.task.aborted",
  stepId: "chatwire.step.id",
  stepType: "chatwire.step.type",
});

/**
 * Tracing through `@opentelemetry/api` when the app installed it; undefined (no tracing, nothing loaded) when not.
 * @example const tracing = await loadTracing(); const spans = tracing?.forSession(session.id, session.threadId);
 */
export async function loadTracing(): Promise<Tracing | undefined> {
  let api: Api;
  try {
    api = await import("@opentelemetry/api");
  } catch {
    return undefined;
  }
  // A proxy: spans go to whichever provider the app registers, even one registered after the gateway started.
  const tracer = api.trace.getTracer("chatwire");
  return { forSession: (sessionId, threadId) => new SessionSpans(api, tracer, sessionId, threadId) };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

class SessionSpans implements FrameTracer {
  readonly #api: Api;
  readonly #tracer: Tracer;
  readonly #ids: Readonly<Record<string, string>>;
  #task: Span | undefined;
  /** Whether the running task's span records: a no-op span (no provider) means no step spans either. */
  #recording = true;
  /** Whether the running task's span is worth making the active context (see task_start). */
  #activates = false;
  /** Open step spans by step id; made at the first step (an idle session's empty Map is memory per session). */
  #steps: Map<string, Span> | undefined;

  constructor(api: Api, tracer: Tracer, sessionId: string, threadId: string) {
    this.#api = api;
    this.#tracer = tracer;
    this.#ids = { [SpanAttributes.sessionId]: sessionId, [SpanAttributes.threadId]: threadId };
  }

  record(frame: OutgoingFrame): void {
    switch (frame.type) {
      case "task_start":
        this.#endTask(); // a task_end that never came (the session ended mid-task)
        // A root whatever context the frame was sent in: one trace per task.
        this.#task = this.#tracer.startSpan("chatwire.task", undefined, this.#api.ROOT_CONTEXT);
        // Attributes only for a span that records: with no provider, a task costs one no-op span and nothing else.
        this.#recording = this.#task.isRecording();
        // A span not recorded by a sampler still carries its trace (children follow its decision); the no-op span of
        // an app with no provider carries none (the API's INVALID_SPAN_CONTEXT itself: one comparison, no regex):
        // nothing to be a child of, so `within` skips the context for it.
        this.#activates = this.#recording || this.#task.spanContext() !== this.#api.INVALID_SPAN_CONTEXT;
        if (this.#recording) this.#task.setAttributes({ ...this.#ids, [SpanAttributes.taskId]: frame.taskId });
        return;
      case "task_end":
        if (frame.aborted === true) this.#task?.setAttribute(SpanAttributes.taskAborted, true);
        this.#endTask();
        return;
      case "step":
        if (this.#recording) this.#step(frame.step);
        return;
      case "message_delete":
        this.#steps?.get(frame.id)?.end(); // a removed step
        this.#steps?.delete(frame.id);
        return;
      default:
        return;
    }
  }

  #step(step: StepView): void {
    this.#steps ??= new Map();
    let span = this.#steps.get(step.id);
    if (span === undefined) {
      const parent = (step.parentId === undefined ? undefined : this.#steps.get(step.parentId)) ?? this.#task;
      const context =
        parent === undefined ? this.#api.ROOT_CONTEXT : this.#api.trace.setSpan(this.#api.ROOT_CONTEXT, parent);
      span = this.#tracer.startSpan(
        step.name,
        { attributes: { ...this.#ids, [SpanAttributes.stepId]: step.id, [SpanAttributes.stepType]: step.type } },
        context,
      );
      this.#steps.set(step.id, span);
    }
    if (step.end === undefined) return;
    if (step.error !== undefined) span.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: step.error });
    span.end();
    this.#steps.delete(step.id);
  }

  /** `run(arg)`, not a closure: a task's start would pay for one per turn. */
  within<A, T>(stepId: string | undefined, run: (arg: A) => T, arg: A): T {
    const span = stepId === undefined ? this.#task : this.#steps?.get(stepId);
    if (span === undefined || !this.#activates) return run(arg);
    // Only takes effect when the app registered a context manager (the SDK's NodeSDK or
    // AsyncLocalStorageContextManager); the API's default one runs `run` as it is.
    const api = this.#api;
    return api.context.with(api.trace.setSpan(api.context.active(), span), run, undefined, arg);
  }

  taskFailed(error: unknown): void {
    this.#task?.setStatus({ code: this.#api.SpanStatusCode.ERROR, message: messageOf(error) });
  }

  #endTask(): void {
    const task = this.#task;
    if (task === undefined) return;
    this.#task = undefined;
    this.#recording = true;
    // A step the task left open ends with it (a stop refuses the step's own end frame).
    const steps = this.#steps;
    if (steps !== undefined && steps.size > 0) {
      for (const span of steps.values()) span.end();
      steps.clear();
    }
    task.end();
  }

  close(): void {
    this.#endTask();
    for (const span of this.#steps?.values() ?? []) span.end();
    this.#steps?.clear();
  }
}
