// A session's outgoing frames: numbered once, serialised once, kept until acknowledged (for replay after a
// reconnect), and held back — with stream tokens coalesced — while the socket is behind or gone.
import type { OutgoingFrame } from "../protocol/server.ts";
import { frameText } from "./frame-text.ts";
import { type FrameSink, SLOW_CONSUMER } from "./sink.ts";

/** Flow-control limits of one session's outbox. */
export interface OutboxLimits {
  /** Above this many bytes buffered in the socket, frames wait in the outbox (tokens coalesce). Default 1 MiB. */
  readonly highWaterBytes: number;
  /**
   * Waiting bytes beyond this: a connected socket is closed (4008 slow consumer). A detached session may hold this
   * many bytes more than it held when its socket went; beyond that it overflows (a resume would have a gap).
   */
  readonly maxPendingBytes: number;
  /** Unacknowledged frames kept for replay (the oldest are dropped beyond either limit). */
  readonly maxReplayFrames: number;
  readonly maxReplayBytes: number;
  /** A socket that stays behind this long is closed (4008), e.g. a client that stopped reading. */
  readonly stallTimeoutMs: number;
}

/** What an outbox tells its session. */
export interface OutboxEvents {
  /** A detached session held more than its budget: it cannot be resumed without a gap. */
  onOverflow(): void;
  /** The connected client was closed as a slow consumer: the session should detach. */
  onSlowConsumer(): void;
}

type TokenFrame = Extract<OutgoingFrame, { type: "stream_token" | "step_token" }>;

/**
 * A frame held back: serialised already (so a frame that cannot be serialised fails its sender, not a later flush),
 * except message and step tokens, kept as objects so consecutive ones coalesce.
 */
type Held = string | TokenFrame;

const isToken = (frame: OutgoingFrame): frame is TokenFrame =>
  frame.type === "stream_token" || frame.type === "step_token";

/** Whether two tokens stream into the same text: one message's content, or one step's output (or input). */
function sameText(a: TokenFrame, b: TokenFrame): boolean {
  if (a.type !== b.type || a.id !== b.id) return false;
  return a.type === "stream_token" || (b.type === "step_token" && a.input === b.input);
}

/** `later` appended to `held`: one token; a replace keeps its flag (what it replaced is still gone). */
function merged(held: TokenFrame, later: TokenFrame): TokenFrame {
  if (later.replace === true) return later;
  return { ...held, token: held.token + later.token };
}

/** Bytes a held frame will take on the wire, give or take its seq (exactness does not matter, growth does). */
function heldBytes(held: Held): number {
  return typeof held === "string" ? held.length : held.token.length + 48;
}

/** `{"type":…}` → the frame's fields without the opening brace, ready to follow a seq. */
function bodyOf(frame: OutgoingFrame): string {
  return JSON.stringify(frame).slice(1);
}

/**
 * Above this many bytes buffered in the socket (or highWaterBytes, if lower), frames wait in the outbox and
 * consecutive tokens coalesce: a reader that falls behind gets fewer, larger frames long before its backlog reaches
 * highWaterBytes, where the producer is slowed. Low enough that a 4 MB/s reader on loopback gets most of a stream
 * coalesced, high enough that a reader keeping up never sees it (bench/load/stream.ts).
 */
export const COALESCE_BYTES = 64 * 1024;

/** The replay ring of a session that has sent nothing yet: shared, never written (its first frame makes a ring). */
const NO_FRAMES: (string | undefined)[] = [];
/** The smallest replay ring. */
const MIN_RING = 16;
/** A replay ring longer than this shrinks once it is mostly empty (a detached session's backlog, acknowledged). */
const SHRINK_ABOVE = 1024;

/** The outbox of one session. */
export class Outbox {
  #seq = 0;
  /**
   * Sent, unacknowledged frames (seqs `#firstSeq` to `#seq`) in a ring: seq `s` is at `s & (length - 1)`. A ring, not
   * an array pushed at the end and sliced from the front: no copy as frames come and go (docs/performance.md).
   * Its length is a power of two, made at the first frame, doubled when full, halved when mostly empty.
   */
  #replay: (string | undefined)[] = NO_FRAMES;
  #firstSeq = 1;
  #replayBytes = 0;
  #pending: Held[] = [];
  #pendingBytes = 0;
  #sink: FrameSink | undefined;
  #waiters: (() => void)[] = [];
  #stall: NodeJS.Timeout | undefined;
  #behind = false;
  /** Set when a detached session's outbox overflowed: it can no longer be resumed without a gap. */
  #overflowed = false;
  /** Held bytes beyond which a detached session overflows (set when the socket goes). */
  #detachedLimit = 0;
  /** The sink whose drain event we wait for: a listener of a socket that is gone never fires again. */
  #drainSink: FrameSink | undefined;

  private readonly limits: OutboxLimits;
  private readonly events: OutboxEvents;
  /** Socket bytes above which frames are held (and tokens coalesce). */
  private readonly holdAbove: number;

  constructor(limits: OutboxLimits, events: OutboxEvents) {
    this.limits = limits;
    this.events = events;
    this.holdAbove = Math.min(limits.highWaterBytes, COALESCE_BYTES);
  }

  /** The last seq given to a frame. */
  get seq(): number {
    return this.#seq;
  }

  get attached(): boolean {
    return this.#sink !== undefined;
  }

  /** Bytes waiting to be sent (held back because the socket is behind or detached). */
  get pendingBytes(): number {
    return this.#pendingBytes;
  }

  /**
   * Queues a frame. Resolves at once, or — when a connected client is behind — once the backlog has drained.
   * Throws (and numbers nothing) when the frame cannot be serialised, e.g. a circular or too deeply nested value.
   */
  push(frame: OutgoingFrame): undefined | Promise<void> {
    const sink = this.#sink;
    if (sink !== undefined && this.#pending.length === 0 && sink.bufferedAmount < this.holdAbove) {
      // One flat string, seq first: no slice, no concatenation for ws to flatten again (a frame that cannot be
      // serialised throws here, before it is numbered).
      this.#send(frameText(this.#seq + 1, frame), sink);
      return undefined;
    }
    this.#hold(frame);
    if (sink === undefined) {
      if (this.#pendingBytes > this.#detachedLimit && !this.#overflowed) {
        this.#overflowed = true;
        this.events.onOverflow();
      }
      return undefined;
    }
    if (this.#pendingBytes > this.limits.maxPendingBytes) {
      this.#closeSlow(sink);
      return undefined;
    }
    this.#flush();
    if (this.#pendingBytes <= this.limits.highWaterBytes) return undefined;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** The client has everything up to `seq`: forget those frames. */
  ack(seq: number): void {
    const ring = this.#replay;
    const mask = ring.length - 1;
    while (this.#firstSeq <= seq && this.#firstSeq <= this.#seq) {
      const at = this.#firstSeq & mask;
      this.#replayBytes -= (ring[at] as string).length;
      ring[at] = undefined;
      this.#firstSeq++;
    }
    const kept = this.#seq - this.#firstSeq + 1;
    // Only a large ring shrinks: a small one would shrink and grow again with every window of acknowledgements.
    if (ring.length > SHRINK_ABOVE && kept * 8 <= ring.length) this.#resize(ring.length / 4);
  }

  /** Whether a client that processed up to `lastSeq` can be resumed without a gap. */
  canResume(lastSeq: number): boolean {
    return !this.#overflowed && lastSeq >= this.#firstSeq - 1 && lastSeq <= this.#seq;
  }

  /** The connected socket, if any. */
  get sink(): FrameSink | undefined {
    return this.#sink;
  }

  /** Connects a socket: replays every frame after `lastSeq` in order, then what was held back. */
  attach(sink: FrameSink, lastSeq: number): void {
    this.ack(lastSeq);
    this.#sink = sink;
    const ring = this.#replay;
    for (let seq = this.#firstSeq; seq <= this.#seq; seq++) sink.send(ring[seq & (ring.length - 1)] as string);
    this.#flush();
  }

  /** Disconnects the socket; frames are held (and coalesced) until the next attach. Waiting producers go on. */
  detach(): void {
    this.#sink = undefined;
    this.#detachedLimit = this.#pendingBytes + this.limits.maxPendingBytes;
    this.#setBehind(false);
    this.#release();
  }

  /** Numbers a serialised frame, keeps it for replay and sends it. */
  #write(body: string, sink: FrameSink): void {
    this.#send(`{"seq":${this.#seq + 1},${body}`, sink);
  }

  /** Sends a frame's text, numbered `#seq + 1` already, and keeps it for replay. */
  #send(text: string, sink: FrameSink): void {
    const seq = this.#seq + 1;
    const kept = seq - this.#firstSeq + 1;
    if (kept > this.#replay.length) this.#resize(Math.max(MIN_RING, this.#replay.length * 2));
    this.#seq = seq;
    this.#replay[seq & (this.#replay.length - 1)] = text;
    this.#replayBytes += text.length;
    if (kept > this.limits.maxReplayFrames || this.#replayBytes > this.limits.maxReplayBytes) {
      this.ack(this.#firstSeq); // drop the oldest unacknowledged frame: a resume from before it is refused
    }
    sink.send(text);
  }

  #hold(frame: OutgoingFrame): void {
    if (!isToken(frame)) {
      const body = bodyOf(frame);
      this.#pending.push(body);
      this.#pendingBytes += body.length;
      return;
    }
    // A replace makes every held token of its text moot: what they appended is replaced before anyone sees it.
    if (frame.replace === true) this.#dropTokens(frame);
    const last = this.#pending.at(-1);
    if (typeof last === "object" && sameText(last, frame)) {
      const token = merged(last, frame);
      this.#pending[this.#pending.length - 1] = token;
      this.#pendingBytes += heldBytes(token) - heldBytes(last);
      return;
    }
    this.#pending.push(frame);
    this.#pendingBytes += heldBytes(frame);
  }

  /** Forgets the held tokens of `frame`'s text. */
  #dropTokens(frame: TokenFrame): void {
    const kept = this.#pending.filter((held) => typeof held === "string" || !sameText(held, frame));
    for (const held of this.#pending) {
      if (typeof held === "object" && sameText(held, frame)) this.#pendingBytes -= heldBytes(held);
    }
    this.#pending = kept;
  }

  #flush(): void {
    const sink = this.#sink;
    if (sink === undefined) return;
    let sent = 0;
    while (sent < this.#pending.length && sink.bufferedAmount < this.holdAbove) {
      const held = this.#pending[sent++] as Held;
      this.#pendingBytes -= heldBytes(held);
      this.#write(typeof held === "string" ? held : bodyOf(held), sink);
    }
    if (sent > 0) this.#pending.splice(0, sent);
    if (this.#pending.length === 0) this.#pendingBytes = 0;
    this.#setBehind(this.#pending.length > 0);
    if (this.#pendingBytes <= this.limits.highWaterBytes) this.#release();
  }

  #setBehind(behind: boolean): void {
    this.#behind = behind;
    const sink = this.#sink;
    if (behind && sink !== undefined && this.#drainSink !== sink) {
      this.#drainSink = sink;
      sink.onDrain(() => {
        if (this.#drainSink !== sink) return;
        this.#drainSink = undefined;
        if (!this.#behind || this.#sink !== sink) return;
        this.#setBehind(false); // progress: restart the stall clock
        this.#flush();
      });
    }
    // The stall clock runs once the backlog (socket and outbox) passes highWaterBytes, not at the first held frame.
    if (
      behind &&
      this.#stall === undefined &&
      sink !== undefined &&
      sink.bufferedAmount + this.#pendingBytes >= this.limits.highWaterBytes
    ) {
      this.#stall = setTimeout(() => {
        this.#stall = undefined;
        if (this.#behind && this.#sink === sink) this.#closeSlow(sink);
      }, this.limits.stallTimeoutMs);
    } else if (!behind && this.#stall !== undefined) {
      clearTimeout(this.#stall);
      this.#stall = undefined;
    }
  }

  /** Closes a client that does not keep up; the session detaches at once and may be resumed. */
  #closeSlow(sink: FrameSink): void {
    sink.close(SLOW_CONSUMER, "slow consumer");
    this.events.onSlowConsumer();
  }

  #release(): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    for (const resolve of waiters) resolve();
  }

  /** A ring of `length` slots (a power of two) holding the same frames (`#firstSeq` to `#seq`) at their seqs' slots. */
  #resize(length: number): void {
    const from = this.#replay;
    const ring: (string | undefined)[] = new Array(length).fill(undefined);
    for (let seq = this.#firstSeq; seq <= this.#seq; seq++) {
      const text = from[seq & (from.length - 1)];
      if (text !== undefined) ring[seq & (length - 1)] = text;
    }
    this.#replay = ring;
  }

  /** Stops timers and releases waiting producers (the session ended). */
  close(): void {
    this.detach();
    this.#pending = [];
    this.#pendingBytes = 0;
  }
}
