// A session's outbox while its client comes and goes: a newer connection replaces the older one, a dropped one
// leaves the session running (its frames held for a resume) until the reconnect grace period runs out. The live
// session and the share viewer both keep their frames this way.
import type { AbortKind } from "../context/abort.ts";
import type { ServerFrameOf } from "../protocol/server.ts";
import { Outbox, type OutboxEvents } from "./outbox.ts";
import type { SessionLimits } from "./session.ts";
import { type FrameSink, GOING_AWAY, REPLACED } from "./sink.ts";

/** What the outbox needs of its session. */
export interface ResumableSession {
  readonly ended: boolean;
  end(kind: AbortKind): Promise<void>;
  /** The client is gone and the session waits for it: a chance to save what a crash in the meantime would lose. */
  onDetached?(): void;
}

/** The shutdown notice, sent before the sink of a session the server ends is closed. */
const going: ServerFrameOf<"shutdown"> = { seq: 0, type: "shutdown", reason: "server shutting down" };
const GOING = JSON.stringify(going);

/** The outbox of one session, with its connection's lifecycle: attach, disconnect, the grace timer. */
export class ResumableOutbox implements OutboxEvents {
  readonly outbox: Outbox;
  readonly #session: ResumableSession;
  readonly #graceMs: number;
  #expiry: NodeJS.Timeout | undefined;

  constructor(limits: SessionLimits, session: ResumableSession) {
    this.outbox = new Outbox(limits, this);
    this.#session = session;
    this.#graceMs = limits.reconnectGraceMs;
  }

  canResume(lastSeq: number): boolean {
    return this.outbox.canResume(lastSeq);
  }

  /** `sink` takes over (a replaced one is closed) and gets what it has not acknowledged. */
  attach(sink: FrameSink, lastSeq: number): void {
    clearTimeout(this.#expiry);
    this.#expiry = undefined;
    const replaced = this.outbox.sink;
    if (replaced !== undefined && replaced !== sink) replaced.close(REPLACED, "replaced by a newer connection");
    this.outbox.attach(sink, lastSeq);
  }

  /** `sink`'s connection closed: `done` (the client said goodbye) ends the session, anything else detaches it. */
  disconnect(sink: FrameSink, done: boolean): void {
    // A session that another connection has taken over is not this connection's to end.
    if (this.outbox.sink !== sink) return;
    if (done) void this.#session.end("disconnect");
    else this.detach();
  }

  /** The connection dropped: keep running, hold frames, and end the session if nobody resumes it in time. */
  detach(): void {
    this.outbox.detach();
    if (this.#session.ended) return;
    this.#session.onDetached?.();
    clearTimeout(this.#expiry);
    this.#expiry = setTimeout(() => void this.#session.end("disconnect"), this.#graceMs);
  }

  /** The session is ending: nobody waits for a resume any more. */
  stopWaiting(): void {
    clearTimeout(this.#expiry);
  }

  /** Tells the attached client the server is going away (to reconnect elsewhere) and closes its connection. */
  sayGoing(): void {
    const sink = this.outbox.sink;
    sink?.send(GOING);
    sink?.close(GOING_AWAY, "server shutting down");
  }

  /** The outbox of a detached session overflowed: it cannot be resumed without a gap. */
  onOverflow(): void {
    void this.#session.end("disconnect");
  }

  /** The client was closed as a slow consumer: keep the session, wait for a resume. */
  onSlowConsumer(): void {
    this.detach();
  }
}
