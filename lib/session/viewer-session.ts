// A read-only viewer of a shared thread (`hello.view`): the thread's shared history, then the live turns of the
// thread's sessions as `follow` frames. It runs no hook, stores nothing and refuses every command but `ack`
// (VIEW_ONLY). It is a session like the others to the gateway — numbered frames, a replay buffer, resumable with
// `hello.resume` within the grace period — so a viewer that reconnects gets each frame once.
import { nanoid } from "nanoid";
import type { AbortKind } from "../context/abort.ts";
import type { ErrorCode } from "../errors.ts";
import type { FollowedFrame, OutgoingFrame } from "../protocol/server.ts";
import type { SharedThread } from "../protocol/threads.ts";
import type { MessageView, User } from "../protocol/views.ts";
import type { SessionCommand } from "./commands.ts";
import type { Outbox } from "./outbox.ts";
import { ResumableOutbox } from "./resumable-outbox.ts";
import type { Announcement, Session, SessionLimits } from "./session.ts";
import type { FrameSink } from "./sink.ts";
import type { ThreadFollower, ThreadViewers } from "./thread-viewers.ts";

/** What a viewer is opened with. */
export interface ViewerInit {
  readonly threadId: string;
  readonly user: User | undefined;
  readonly limits: SessionLimits;
  readonly viewers: ThreadViewers;
  /** The thread as its share shows it (sharedView): the history sent first. */
  readonly shared: SharedThread;
  /** Element ids the thread marks private (shared-view.ts): left out of the live frames too. */
  readonly hidden: ReadonlySet<string>;
  /** Told once, when the viewer is over. */
  readonly registry?: { delete(session: Session): void } | undefined;
}

/** Close code of a view refused or closed (the gateway's VIEW_REFUSED). */
const VIEW_CLOSED = 4403;

/**
 * Opens a viewer. Attach a sink, `start()` it: it sends the history and follows the thread from then on.
 * @example const viewer = createViewer({ threadId, user, limits, viewers, shared: sharedView(thread), hidden });
 */
export function createViewer(init: ViewerInit): Session {
  return new ViewerSession(init);
}

class ViewerSession implements Session, ThreadFollower {
  readonly id = nanoid();
  readonly resumeToken = nanoid(32);
  readonly viewOnly = true;
  readonly chatProfile = undefined;
  readonly mcpTransports = undefined;
  /** The outbox and its connection's lifecycle (attach, disconnect, the reconnect grace timer). */
  readonly #resumable: ResumableOutbox;
  readonly #outbox: Outbox;
  readonly #init: ViewerInit;
  #ended: Promise<void> | undefined;

  constructor(init: ViewerInit) {
    this.#init = init;
    this.#resumable = new ResumableOutbox(init.limits, this);
    this.#outbox = this.#resumable.outbox;
  }

  get threadId(): string {
    return this.#init.threadId;
  }
  get user(): User | undefined {
    return this.#init.user;
  }
  get seq(): number {
    return this.#outbox.seq;
  }
  get attached(): boolean {
    return this.#outbox.attached;
  }
  get ended(): boolean {
    return this.#ended !== undefined;
  }

  start(): void {
    const { threadId, shared, viewers } = this.#init;
    const steps = shared.steps.map((step) => ({ ...step }));
    this.#send({ type: "thread_history", threadId, steps, ...(shared.name ? { name: shared.name } : {}) });
    viewers.join(threadId, this);
  }

  follow(frame: FollowedFrame): void {
    if (this.#ended !== undefined) return;
    // As the shared history shows messages: no action buttons, no private elements.
    void this.#outbox.push({ type: "follow", frame: this.#shown(frame) });
  }

  #shown(frame: FollowedFrame): FollowedFrame {
    const { hidden } = this.#init;
    const message = (view: MessageView): MessageView => {
      const elements = view.elements?.filter((element) => !hidden.has(element.id));
      const { elements: _all, ...rest } = view;
      return { ...rest, actions: [], ...(elements === undefined || elements.length === 0 ? {} : { elements }) };
    };
    switch (frame.type) {
      case "message_new":
      case "message_update":
      case "stream_start":
        return { ...frame, message: message(frame.message) };
      case "element":
        return hidden.has(frame.element.id) ? { type: "remove_elements", ids: [frame.element.id] } : frame;
      default:
        return frame;
    }
  }

  receive(command: SessionCommand): void {
    if (command.type === "ack") {
      this.#outbox.ack(command.seq);
      return;
    }
    const replyTo = command.type === "ask_reply" ? command.askId : "id" in command ? command.id : undefined;
    this.reportError("VIEW_ONLY", `${command.type}: this connection views a shared thread and cannot send`, replyTo);
  }

  reportError(code: ErrorCode, message: string, replyTo?: string, field?: string): void {
    this.#send({
      type: "error",
      code,
      message,
      ...(replyTo === undefined ? {} : { replyTo }),
      ...(field === undefined ? {} : { field }),
    });
  }

  announce(frame: Announcement): void {
    this.#send(frame);
  }

  #send(frame: OutgoingFrame): void {
    if (this.#ended === undefined) void this.#outbox.push(frame);
  }

  /** Resumable within the grace period; a backlog that overflowed while detached would leave a gap, so the viewer
   * then ends (the client opens it again). A slow consumer (4008) is detached: the runner never waited for it. */
  canResume(lastSeq: number): boolean {
    return this.#resumable.canResume(lastSeq);
  }

  attach(sink: FrameSink, lastSeq: number): void {
    this.#resumable.attach(sink, lastSeq);
  }

  disconnect(sink: FrameSink, done: boolean): void {
    this.#resumable.disconnect(sink, done);
  }

  /** The share was closed: the viewer sees nothing more, told as a refused view is (4403), and cannot resume. */
  unshared(): void {
    const sink = this.#outbox.sink;
    void this.end("disconnect");
    sink?.send(JSON.stringify({ seq: 0, type: "error", code: "THREAD_NOT_FOUND", message: "the share was closed" }));
    sink?.close(VIEW_CLOSED, "the share was closed");
  }

  snapshotState(): Record<string, unknown> {
    return {};
  }

  /** A push to the thread goes to the thread's own session, never to a viewer. */
  push(): void {}

  end(kind: AbortKind): Promise<void> {
    if (this.#ended === undefined) {
      this.#resumable.stopWaiting();
      if (kind === "shutdown") this.#resumable.sayGoing();
      this.#init.viewers.leave(this.threadId, this);
      this.#outbox.close();
      this.#init.registry?.delete(this);
      this.#ended = Promise.resolve();
    }
    return this.#ended;
  }
}
