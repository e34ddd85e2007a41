// A step that stays open until told to end: for integrations that learn of a step's start and end from an LLM
// library's events, where `ctx.step(init, run)` wants one callback around the whole of it.
import type { StepHandle, StepInit } from "./step.ts";

/** Where a step can be started: a task's context or a running step (its child). */
export interface StepParent {
  step<T>(init: StepInit, run: (step: StepHandle) => T | Promise<T>): Promise<T>;
}

/** A running step that ends when `end` or `fail` is called; `closed` settles once its end was sent. */
export interface OpenStep {
  readonly handle: StepHandle;
  /** Ends the step with the output set on `handle`. */
  end(): void;
  /** Ends the step with `error` (its message becomes the step's error). */
  fail(error: unknown): void;
  /** Settles (never rejects) once the step's end frame was sent or could not be. */
  readonly closed: Promise<void>;
}

/**
 * Starts a step under `parent` and returns once its start was sent; it runs until `end()` or `fail(error)`.
 * @example const step = await openStep(ctx, { name: "search", type: "tool" }); step.handle.output = "3 hits"; step.end();
 */
export async function openStep(parent: StepParent, init: StepInit): Promise<OpenStep> {
  let end: () => void = () => undefined;
  let fail: (error: unknown) => void = () => undefined;
  const settled = new Promise<void>((resolve, reject) => {
    end = resolve;
    fail = reject;
  });
  let handle: StepHandle | undefined;
  let started: () => void = () => undefined;
  const running = new Promise<void>((resolve) => {
    started = resolve;
  });
  const done = parent.step(init, (step) => {
    handle = step;
    started();
    return settled;
  });
  // The start frame is sent before the callback runs: a refused send (a closed session) rejects `done` instead.
  await Promise.race([running, done]);
  if (handle === undefined) throw new Error("the step did not start");
  return { handle, end, fail, closed: done.then(quiet, quiet) };
}

const quiet = () => undefined;

/** A value as a step shows it: text as it is, anything else as JSON. */
export function shownAsText(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value); // a cycle or a BigInt: still something to show
  }
}
