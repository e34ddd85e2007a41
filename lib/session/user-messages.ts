// A user message becomes a task on the task lane, under the mid-reply policy (queue, interrupt, steer, drop). It
// is stored under the server's own id: a client's ids are only unique to that client, and the steps of every thread
// share one key space.
import { ChatwireError } from "../errors.ts";
import type { ChatFile, HistoryMessage, IncomingMessage } from "../hooks/payloads.ts";
import { claimFiles, fileElements } from "./files.ts";
import type { LiveParts, WaitingTurn } from "./live-parts.ts";

const now = () => new Date();

/** Queues the turn of one user message (its content and command already checked). */
export function userMessage<S extends object>(
  session: LiveParts<S>,
  clientId: string,
  content: string,
  command: string | undefined,
  modes: Record<string, string> | undefined,
  fileIds: readonly string[],
): void {
  // Fields set one by one, not spread from `{}`s: a turn's garbage counts (docs/performance.md).
  const base: { -readonly [K in keyof Omit<IncomingMessage, "files">]: IncomingMessage[K] } = {
    id: session.ids.next(),
    clientId,
    content,
    createdAt: now().toISOString(),
  };
  if (command !== undefined) base.command = command;
  if (modes !== undefined) base.modes = modes;
  // Files are claimed when the message is taken (its turn, or the running task reading it): one that is not this
  // session's fails the message.
  const accept = (): IncomingMessage | Promise<IncomingMessage> => {
    if (fileIds.length === 0) return taken([]);
    const who = { sessionId: session.id, threadId: session.threadId };
    return claimFiles(session.files, fileIds, who).then(taken);
  };
  // Without files, at once: onMessage starts in the job's own tick, as it always has (a stop that arrives right
  // after task_start then finds the handler listening to its signal).
  const taken = (files: ChatFile[]): IncomingMessage => {
    // Stored when taken (not on arrival), so the stored order is the conversation's order and a flood of queued
    // messages cannot outgrow the recorder's queue.
    const user = session.parts.user;
    const author = user?.displayName ?? user?.identifier ?? "User";
    const link = session.link;
    if (link !== undefined) {
      const elements = fileElements(files);
      link.recordUserMessage({ ...base, author, ...(elements.length === 0 ? {} : { elements }) });
    }
    const { id, createdAt } = base;
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
    const said: { -readonly [K in keyof HistoryMessage]: HistoryMessage[K] } = {
      id,
      role: "user",
      author,
      content,
      createdAt,
    };
    if (command !== undefined) said.command = command;
    session.transcript.user(said, clientId);
    return { ...base, files };
  };
  const policy = session.limits.midReply;
  const running = session.tasks.running;
  if (running !== undefined && policy === "drop") {
    throw new ChatwireError("MESSAGE_DROPPED", "a reply is running: send the message again once it has ended");
  }
  if (running !== undefined && policy === "interrupt") supersede(session);
  const turn: WaitingTurn = { superseded: false, taken: false };
  const durable = session.durable?.fresh(session.ids.next());
  // Before run(): an idle lane starts the job at once, and the job takes itself out of the set when it starts.
  if (policy === "interrupt") session.waitingTurns.add(turn);
  const queued = session.tasks.run(
    "onMessage",
    clientId,
    (ctx) => {
      session.waitingTurns.delete(turn);
      if (turn.superseded) session.tasks.abort("superseded"); // a newer message came first: kept, never answered
      const answer = (message: IncomingMessage) => {
        if (turn.superseded) return;
        durable?.start(message);
        return session.hooks.onMessage?.(ctx, message);
      };
      // Not an async function: the handler's own promise is the task's, without a second one wrapping it.
      const accepted = accept();
      return accepted instanceof Promise ? accepted.then(answer) : answer(accepted);
    },
    Buffer.byteLength(content),
    () => turn.taken,
    durable,
  );
  if (!queued) {
    session.waitingTurns.delete(turn);
    return;
  }
  if (policy === "steer" && running !== undefined) {
    session.tasks.offer(() => {
      turn.taken = true; // its own turn, queued behind the task, is skipped
      session.notify({ type: "message_steered", replyTo: clientId, taskId: running });
      return Promise.resolve(accept());
    });
  }
}

/** `interrupt`: a new message stops the running task (its partial answer kept) and every message turn still
 * waiting (stored when its turn comes, not answered); the newest message is the one answered. */
function supersede<S extends object>(session: LiveParts<S>): void {
  for (const turn of session.waitingTurns) turn.superseded = true;
  session.waitingTurns.clear();
  session.tasks.abort("superseded");
}
