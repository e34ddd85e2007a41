// A user message becomes a task on the task lane, under the mid-reply policy (queue, interrupt, steer, drop). It
// is stored under the server's own id: a client's ids are only unique to that client, and the steps of every thread
// share one key space.

import type { ChatContext } from "../context/context.ts";
import { ChatwireError } from "../errors.ts";
import type { ChatFile, HistoryMessage, IncomingMessage } from "../hooks/payloads.ts";
import type { LaneTurn } from "./durable-turns.ts";
import { claimFiles, fileElements } from "./files.ts";
import { isoNow } from "./iso-now.ts";
import type { QueuedTask } from "./lanes.ts";
import type { LiveParts, WaitingTurn } from "./live-parts.ts";

/** Queues the turn of one user message (its content and command already checked). */
export function userMessage<S extends object>(
  session: LiveParts<S>,
  clientId: string,
  content: string,
  command: string | undefined,
  modes: Record<string, string> | undefined,
  fileIds: readonly string[],
): void {
  const policy = session.limits.midReply;
  const running = session.tasks.running;
  if (running !== undefined && policy === "drop") {
    throw new ChatwireError("MESSAGE_DROPPED", "a reply is running: send the message again once it has ended");
  }
  if (running !== undefined && policy === "interrupt") supersede(session);
  const turn = new UserTurn(session, clientId, content, command, modes, fileIds);
  // Before queueing: an idle lane starts the job at once, and the job takes itself out of the set when it starts.
  if (policy === "interrupt") session.waitingTurns.add(turn);
  if (!session.tasks.queue(turn, Buffer.byteLength(content))) {
    session.waitingTurns.delete(turn);
    return;
  }
  if (policy === "steer" && running !== undefined) {
    session.tasks.offer(() => {
      turn.taken = true; // its own turn, queued behind the task, is skipped
      session.notify({ type: "message_steered", replyTo: clientId, taskId: running });
      return Promise.resolve(turn.accept());
    });
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * One user message's turn: the message as it arrived, and the task the lane runs for it. One object with methods,
 * not a handful of closures over the message: a turn's garbage counts (docs/performance.md).
 */
class UserTurn<S extends object> implements WaitingTurn, QueuedTask<S> {
  superseded = false;
  taken = false;
  readonly hook = "onMessage";
  /** The client's id of the message. */
  readonly replyTo: string;
  readonly turn: (LaneTurn & { start(input: IncomingMessage): void }) | undefined;
  readonly #session: LiveParts<S>;
  /** The server's id. */
  readonly #id: string;
  readonly #createdAt: string;
  readonly #content: string;
  readonly #command: string | undefined;
  readonly #modes: Record<string, string> | undefined;
  readonly #fileIds: readonly string[];

  constructor(
    session: LiveParts<S>,
    clientId: string,
    content: string,
    command: string | undefined,
    modes: Record<string, string> | undefined,
    fileIds: readonly string[],
  ) {
    this.#session = session;
    this.replyTo = clientId;
    this.#id = session.ids.next();
    this.#createdAt = isoNow();
    this.#content = content;
    this.#command = command;
    this.#modes = modes;
    this.#fileIds = fileIds;
    this.turn = session.durable?.fresh(session.ids.next());
  }

  skip(): boolean {
    return this.taken;
  }

  dropped(): void {
    this.turn?.dropped?.();
  }

  run(ctx: ChatContext<S>): unknown {
    const session = this.#session;
    session.waitingTurns.delete(this);
    if (this.superseded) session.tasks.abort("superseded"); // a newer message came first: kept, never answered
    // Not an async function: the handler's own promise is the task's, without a second one wrapping it.
    const accepted = this.accept();
    return accepted instanceof Promise
      ? accepted.then((message) => this.#answer(ctx, message))
      : this.#answer(ctx, accepted);
  }

  #answer(ctx: ChatContext<S>, message: IncomingMessage): unknown {
    if (this.superseded) return;
    this.turn?.start(message);
    return this.#session.hooks.onMessage?.(ctx, message);
  }

  /**
   * Files are claimed when the message is taken (its turn, or the running task reading it): one that is not this
   * session's fails the message. Without files, at once: onMessage starts in the job's own tick, as it always has (a
   * stop that arrives right after task_start then finds the handler listening to its signal).
   */
  accept(): IncomingMessage | Promise<IncomingMessage> {
    if (this.#fileIds.length === 0) return this.#take([]);
    const session = this.#session;
    const who = { sessionId: session.id, threadId: session.threadId };
    return claimFiles(session.files, this.#fileIds, who).then((files) => this.#take(files));
  }

  /** The message without its files; fields set one by one, in the order they always had. */
  #message(): Mutable<Omit<IncomingMessage, "files">> {
    const message: Mutable<Omit<IncomingMessage, "files">> = {
      id: this.#id,
      clientId: this.replyTo,
      content: this.#content,
      createdAt: this.#createdAt,
    };
    if (this.#command !== undefined) message.command = this.#command;
    if (this.#modes !== undefined) message.modes = this.#modes;
    return message;
  }

  #take(files: ChatFile[]): IncomingMessage {
    // Stored when taken (not on arrival), so the stored order is the conversation's order and a flood of queued
    // messages cannot outgrow the recorder's queue.
    const session = this.#session;
    const user = session.parts.user;
    const author = user?.displayName ?? user?.identifier ?? "User";
    const link = session.link;
    if (link !== undefined) {
      const elements = fileElements(files);
      link.recordUserMessage({ ...this.#message(), author, ...(elements.length === 0 ? {} : { elements }) });
    }
    const id = this.#id;
    const createdAt = this.#createdAt;
    const content = this.#content;
    const command = this.#command;
    // The sender shows its message itself; the thread's other sockets see it now, as the turn starts.
    if (session.viewers !== undefined) {
      const elements = fileElements(files);
      session.viewers.publish(session.threadId, session, {
        type: "message_new",
        message: {
          id,
          role: "user",
          author,
          content,
          createdAt,
          actions: [],
          ...(elements.length === 0 ? {} : { elements }),
        },
      });
    }
    const said: Mutable<HistoryMessage> = { id, role: "user", author, content, createdAt };
    if (command !== undefined) said.command = command;
    session.transcript.user(said, this.replyTo);
    const message = this.#message() as Mutable<IncomingMessage>;
    message.files = files;
    return message;
  }
}

/** `interrupt`: a new message stops the running task (its partial answer kept) and every message turn still
 * waiting (stored when its turn comes, not answered); the newest message is the one answered. */
function supersede<S extends object>(session: LiveParts<S>): void {
  for (const turn of session.waitingTurns) turn.superseded = true;
  session.waitingTurns.clear();
  session.tasks.abort("superseded");
}
