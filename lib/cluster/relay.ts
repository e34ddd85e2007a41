// The two ends of a relayed session. The node holding a session writes its frames into a RelaySink, which batches
// them per tick into bus messages for the node the client reached; there a RemoteSession writes them to the
// client's socket, and sends the client's commands back. Messages on the bus between two nodes stay in order, so
// the session's own numbering (seq, replay after lastSeq) gives the same guarantees as a same-node resume.
import type { ErrorCode } from "../errors.ts";
import type { User } from "../protocol/views.ts";
import type { SessionCommand } from "../session/commands.ts";
import { type FrameSink, SLOW_CONSUMER } from "../session/sink.ts";
import type { ClusterBus } from "./bus.ts";
import type { ThreadMessage } from "./thread-bridge.ts";

/** What relaying nodes say to each other about one link (one client connection relayed to one session). */
export type RelayMessage =
  | { k: "attach"; link: string; sessionId: string; resumeToken: string; lastSeq: number; user: User | null }
  | { k: "cmd"; link: string; cmd: WireCommand }
  | { k: "err"; link: string; code: ErrorCode; message: string; replyTo?: string; field?: string }
  | { k: "detach"; link: string; done: boolean }
  | { k: "frames"; link: string; texts: string[] }
  | { k: "refused"; link: string; reason: "expired" | "forbidden" | "overflow" }
  | { k: "close"; link: string; code: number; reason: string }
  | { k: "push"; id: string; threadId: string; content: string }
  | { k: "pushed"; id: string; ok: boolean }
  | { k: "revoked"; tokenId: string }
  | ThreadMessage;

/** A command as JSON: audio bytes as base64. */
export type WireCommand =
  | Exclude<SessionCommand, { type: "audio_chunk" }>
  | { type: "audio_chunk"; elapsedTime: number; data64: string };

export const toWire = (command: SessionCommand): WireCommand =>
  command.type === "audio_chunk"
    ? { type: "audio_chunk", elapsedTime: command.elapsedTime, data64: Buffer.from(command.data).toString("base64") }
    : command;

export const fromWire = (command: WireCommand): SessionCommand =>
  command.type === "audio_chunk"
    ? { type: "audio_chunk", elapsedTime: command.elapsedTime, data: Buffer.from(command.data64, "base64") }
    : command;

/** Bytes a relayed client's socket may hold unsent. The holder's outbox cannot see this socket (only the bus), so
 * the relaying node bounds it: past it the client is closed as too slow, and resumes from what it has. */
const MAX_RELAYED_BUFFER_BYTES = 16 * 1024 * 1024;

/** A batch is sent at once from this size on, so that it fits one NOTIFY instead of being chunked. */
const BATCH_BYTES = 6000;

/**
 * The holder's end: a FrameSink whose frames go to node `to` for link `link`. Writes of one tick travel as one
 * message. Its flow control is the bus's: frames the database has not taken yet count as buffered.
 */
export class RelaySink implements FrameSink {
  #batch: string[] = [];
  #bytes = 0;
  #closed = false;

  private readonly bus: ClusterBus;
  readonly to: string;
  readonly link: string;
  private readonly onClosed: (sink: RelaySink) => void;

  constructor(bus: ClusterBus, to: string, link: string, onClosed: (sink: RelaySink) => void) {
    this.bus = bus;
    this.to = to;
    this.link = link;
    this.onClosed = onClosed;
  }

  get bufferedAmount(): number {
    return this.bus.pendingBytes;
  }

  send(text: string): void {
    if (this.#closed) return;
    if (this.#batch.length === 0) process.nextTick(flush, this);
    this.#batch.push(text);
    this.#bytes += text.length;
    if (this.#bytes >= BATCH_BYTES) this.flush();
  }

  flush(): void {
    if (this.#batch.length === 0) return;
    const texts = this.#batch;
    this.#batch = [];
    this.#bytes = 0;
    this.bus.publish(this.to, { k: "frames", link: this.link, texts } satisfies RelayMessage);
  }

  onDrain(listener: () => void): void {
    this.bus.onDrain(listener);
  }

  close(code: number, reason: string): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    this.bus.publish(this.to, { k: "close", link: this.link, code, reason } satisfies RelayMessage);
    this.onClosed(this);
  }

  /** The link is gone without a close to send (the other node left, or the bus lost messages). */
  drop(): void {
    this.#closed = true;
    this.#batch = [];
  }
}

const flush = (sink: RelaySink) => sink.flush();

/**
 * The client's end: what its connection drives as its session, on a node that does not hold it. Commands go to
 * the holder; frames from the holder go to the connection's sink.
 */
export class RemoteSession {
  #open = true;

  private readonly bus: ClusterBus;
  readonly holder: string;
  readonly link: string;
  private readonly sink: FrameSink;
  private readonly onClosed: (remote: RemoteSession) => void;

  constructor(
    bus: ClusterBus,
    holder: string,
    link: string,
    sink: FrameSink,
    onClosed: (remote: RemoteSession) => void,
  ) {
    this.bus = bus;
    this.holder = holder;
    this.link = link;
    this.sink = sink;
    this.onClosed = onClosed;
  }

  receive(command: SessionCommand): void {
    if (this.#open) this.bus.publish(this.holder, { k: "cmd", link: this.link, cmd: toWire(command) });
  }

  reportError(code: ErrorCode, message: string, replyTo?: string, field?: string): void {
    if (!this.#open) return;
    const report: RelayMessage = { k: "err", link: this.link, code, message };
    if (replyTo !== undefined) report.replyTo = replyTo;
    if (field !== undefined) report.field = field;
    this.bus.publish(this.holder, report);
  }

  disconnect(sink: FrameSink, done: boolean): void {
    if (sink !== this.sink || !this.#open) return;
    this.#open = false;
    this.bus.publish(this.holder, { k: "detach", link: this.link, done });
    this.onClosed(this);
  }

  /** Frames from the holder, in order. */
  write(texts: readonly string[]): void {
    if (!this.#open) return;
    for (const text of texts) this.sink.send(text);
    if (this.sink.bufferedAmount > MAX_RELAYED_BUFFER_BYTES) this.close(SLOW_CONSUMER, "slow consumer");
  }

  /** The holder closed the link (replaced, slow consumer, shutting down), it was lost, or the client is too slow:
   * close the client's socket. The holder is told too, so that an idle session does not stay attached to nothing
   * (a detach for a link it already let go is ignored). */
  close(code: number, reason: string): void {
    if (!this.#open) return;
    this.#open = false;
    this.bus.publish(this.holder, { k: "detach", link: this.link, done: false });
    this.onClosed(this);
    this.sink.close(code, reason);
  }
}
