// One AG-UI run's response: a FrameSink that the thread's session writes to while the run lasts, and the SSE
// stream it answers with. Which frame means what for the run (its end, its interrupts) is the thread's to decide.
import type { ServerResponse } from "node:http";
import type { Event } from "@ag-ui/core";
import type { ServerFrame } from "../../protocol/server.ts";
import type { FrameSink } from "../../session/sink.ts";
import { RunEvents } from "./events.ts";
import type { AguiRunInput } from "./input.ts";

/** What a run reports to its thread. */
export interface RunHost {
  frame(run: AguiRun, frame: ServerFrame): void;
  /** The session closed the run's sink (a slow client, a server going away). */
  closed(run: AguiRun, code: number, reason: string): void;
  /** The client went away before the run finished. */
  aborted(run: AguiRun): void;
}

/** A run in progress: the SSE response it writes and the sink its session writes to. */
export class AguiRun implements FrameSink {
  readonly input: AguiRunInput;
  readonly events: RunEvents;
  /** The id of the user message this run sent its session, if it sent one: errors about it end the run. */
  messageId: string | undefined;
  /** The error about the run's message, which the run ends with. */
  error: { message: string; code: string } | undefined;
  /** Set once the run's own input went to the session: from then on, an idle session finishes the run. */
  armed = false;
  #finished = false;
  readonly #host: RunHost;
  readonly #response: ServerResponse;

  constructor(host: RunHost, response: ServerResponse, input: AguiRunInput) {
    this.#host = host;
    this.#response = response;
    this.input = input;
    this.events = new RunEvents((event) => this.write(event));
    response.writeHead(200, {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    response.on("close", () => {
      if (!this.#finished) this.#host.aborted(this);
    });
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** One AG-UI event, as an SSE `data:` line. */
  write(event: Event): void {
    if (this.#finished) return;
    this.#response.write(`data: ${JSON.stringify({ ...event, timestamp: Date.now() })}\n\n`);
  }

  /** Ends the stream; frames sent after it are not taken (the next run of the thread gets them). */
  finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#response.end();
  }

  get bufferedAmount(): number {
    return this.#response.writableLength;
  }

  send(text: string): void {
    if (!this.#finished) this.#host.frame(this, JSON.parse(text) as ServerFrame);
  }

  onDrain(listener: () => void): void {
    if (this.#finished || this.#response.destroyed) setImmediate(listener);
    else this.#response.once("drain", listener);
  }

  close(code: number, reason: string): void {
    this.#host.closed(this, code, reason);
  }
}
