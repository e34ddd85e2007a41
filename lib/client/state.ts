// The conversation kept from the frames: messages (streamed content included), steps nested by parentId, asks,
// tasks, action calls, feedback and errors. Frames and the client's own commands change it; `snapshot()` gives the
// immutable value a UI renders, rebuilt only after a change and sharing every part that did not change.
import type {
  CommandView,
  FavoriteView,
  FileAskRules,
  MessageView,
  ModeView,
  ServerFrame,
  ServerFrameOf,
  StarterView,
} from "../protocol/index.ts";
import type { ConnectionStatus, SessionStart } from "./connection.ts";
import { ConversationLog } from "./log.ts";
import type { ChatFeedback, ChatSettingsView, ChatSnapshot, PendingAsk, SessionInfo } from "./snapshot.ts";

/** Errors kept in the snapshot: the most recent ones. */
const ERRORS_KEPT = 50;

/** The conversation state of one client. */
export class ConversationState {
  #status: ConnectionStatus = "connecting";
  #session: SessionInfo | undefined;
  #threadName: string | undefined;
  readonly #log = new ConversationLog();
  /** Running tasks, by id: the request (user_message or action_call id) each one runs, if it runs one. */
  #tasks = new Map<string, string | undefined>();
  /** Requests sent in this session whose task has not started yet, in the order sent: the server runs tasks in
   * the order it receives their frames (task_start names no frame: see docs/client.md). */
  #requests: string[] = [];
  /** True from a new session's welcome until its first frame or first request written: a task_start then is
   * onChatStart's (or, right after thread_history, onChatResume's): the server starts it with the welcome, before
   * it reads anything the client sends (the connection holds requests back until then). */
  #opening = false;
  /** The task of the last task_start or task_end applied, and the request it runs. */
  #lastTask: { readonly taskId: string; readonly request: string | undefined } | undefined;
  #asks = new Map<
    string,
    { askId: string; kind: "text" | "action" | "file"; messageId: string; timeoutMs: number; files?: FileAskRules }
  >();
  /** Action calls waiting for their task's end, by frame id. */
  #calls = new Map<string, string>();
  /** Feedback frames waiting for their answer: frame id -> message or step id. */
  #feedback = new Map<string, string>();
  #audio = false;
  #settings: ChatSettingsView | undefined;
  #starters: readonly StarterView[] = [];
  #commands: readonly CommandView[] = [];
  #modes: readonly ModeView[] = [];
  /** The user's, not the session's: kept across sessions (each new one sends the list again). */
  #favorites: readonly FavoriteView[] = [];
  /** Favorite frames waiting for their answer: frame id -> the message and what it was set to. */
  #favoriteRequests = new Map<string, { readonly messageId: string; readonly favorite: boolean }>();
  #errors: ServerFrameOf<"error">[] = [];
  #snapshot: ChatSnapshot | undefined;

  /** The current snapshot (the same object until something changes). */
  snapshot(): ChatSnapshot {
    this.#snapshot ??= this.#build();
    return this.#snapshot;
  }

  setStatus(status: ConnectionStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    this.#changed();
  }

  /** A welcome: the same session goes on, or a new one starts (after a lost one: a divider, or the reopened
   * thread's history in place of the old log). */
  startSession({ welcome, resumed, replaced, reopened, lost }: SessionStart): void {
    const { sessionId, threadId, user, chatProfile, view } = welcome;
    this.#session = {
      sessionId,
      threadId,
      ...(user ? { user } : {}),
      ...(chatProfile ? { chatProfile } : {}),
      ...(view ? { view } : {}),
    };
    if (!resumed) {
      // Requests queued before a first session's welcome go to it; those queued for a lost one were dropped.
      const queued = replaced ? [] : this.#requests;
      this.forgetTurns();
      this.#requests = queued;
      this.#opening = true;
      if (reopened) this.clear();
      else if (replaced) this.#log.divide(lost);
    }
    this.#changed();
  }

  /** Drops what belonged to the session: running tasks, open asks, calls and feedback waiting for an answer. */
  forgetTurns(): void {
    this.#tasks.clear();
    this.#requests = [];
    this.#opening = false;
    this.#asks.clear();
    this.#calls.clear();
    this.#feedback.clear();
    this.#favoriteRequests.clear();
    this.#audio = false;
    this.#settings = undefined;
    this.#starters = [];
    this.#commands = [];
    this.#modes = [];
    this.#changed();
  }

  /** Empties the log: another conversation takes its place. */
  clear(): void {
    this.#log.clear();
    this.#threadName = undefined;
    this.#errors = [];
    this.#changed();
  }

  /** The client ended the session. */
  closed(): void {
    this.#session = undefined;
    this.forgetTurns();
  }

  /** The task of the last task_start or task_end applied, with the id of the request it runs (if any). */
  get lastTask(): { readonly taskId: string; readonly request: string | undefined } | undefined {
    return this.#lastTask;
  }

  /** A request reached the socket: a task_start from now on may be its, not an opening task's. */
  written(): void {
    this.#opening = false;
  }

  /** A user_message or action_call went out (or was queued): its task is the next one not yet matched. */
  requested(id: string): void {
    this.#requests.push(id);
  }

  /** The user's own message, shown at once under the client's id. */
  addLocal(id: string, content: string): void {
    const author = this.#session?.user?.displayName ?? this.#session?.user?.identifier ?? "You";
    const view: MessageView = { id, role: "user", author, content, createdAt: new Date().toISOString(), actions: [] };
    this.#log.upsertMessage(view, { local: true });
    this.#changed();
  }

  /** The user edited their message `id`: it takes the new text, and what came after it goes (the server removes it
   * too, under ids this client may not know). */
  edited(id: string, content: string): void {
    this.#log.changeMessage(id, (message) => ({ ...message, content }));
    this.#log.removeAfter(id);
    this.#changed();
  }

  actionCalled(callId: string, actionId: string): void {
    this.#calls.set(callId, actionId);
    this.#changed();
  }

  /** An answer went out: the ask leaves the open list now (its ask_end follows). */
  askAnswered(askId: string): void {
    if (this.#asks.delete(askId)) this.#changed();
  }

  feedbackSent(frameId: string, forId: string, value: 0 | 1 | null, comment: string | undefined): void {
    this.#feedback.set(frameId, forId);
    const state = "sending";
    this.#changeFeedback(forId, { value, state, ...(comment === undefined || value === null ? {} : { comment }) });
  }

  /** A `favorite` frame went out: the message shows it at once, and takes it back if the server refuses. */
  favoriteSent(frameId: string, messageId: string, favorite: boolean): void {
    this.#favoriteRequests.set(frameId, { messageId, favorite });
    this.#log.markFavorite(messageId, favorite);
    this.#changed();
  }

  /** Applies one server frame. */
  apply(frame: ServerFrame): void {
    const opening = this.#opening && frame.type === "task_start";
    if (frame.seq > 0 && frame.type !== "thread_history") this.#opening = false;
    switch (frame.type) {
      case "message_new":
      case "message_update":
        this.#log.upsertMessage(frame.message);
        break;
      case "stream_start":
        this.#log.upsertMessage(frame.message, { streaming: true });
        break;
      case "stream_token":
        this.#log.changeMessage(frame.id, (message) => ({ ...message, content: appended(message.content, frame) }));
        break;
      case "step_token":
        this.#log.changeStep(frame.id, (step) =>
          frame.input === true
            ? { ...step, input: appended(step.input, frame) }
            : { ...step, output: appended(step.output, frame) },
        );
        break;
      case "stream_end":
        this.#log.changeMessage(frame.id, (message) => ({
          ...message,
          content: frame.content,
          streaming: false,
          // A cut answer keeps what was streamed and says why (`stopped`); a whole one has no reason.
          ...(frame.stopped === undefined ? {} : { stopped: frame.stopped }),
        }));
        break;
      case "message_delete":
        this.#log.remove(frame.id);
        break;
      case "step":
        this.#log.upsertStep(frame.step);
        break;
      case "thread_history":
        this.#threadName = frame.name;
        for (const entry of frame.steps) this.#log.history(entry);
        for (const { id } of this.#favorites) this.#log.markFavorite(id, true);
        break;
      case "task_start": {
        const request = opening ? undefined : this.#requests.shift();
        this.#tasks.set(frame.taskId, request);
        this.#lastTask = { taskId: frame.taskId, request };
        break;
      }
      case "task_end": {
        const request = this.#tasks.get(frame.taskId);
        this.#tasks.delete(frame.taskId);
        if (request !== undefined) this.#calls.delete(request);
        this.#lastTask = { taskId: frame.taskId, request };
        break;
      }
      case "ask":
        this.#log.upsertMessage(frame.message, { ask: { askId: frame.askId, kind: frame.kind, open: true } });
        this.#asks.set(frame.askId, {
          askId: frame.askId,
          kind: frame.kind,
          messageId: frame.message.id,
          timeoutMs: frame.timeoutMs,
          ...(frame.files === undefined ? {} : { files: frame.files }),
        });
        break;
      case "ask_end": {
        const ask = this.#asks.get(frame.askId);
        this.#asks.delete(frame.askId);
        const messageId = ask?.messageId ?? this.#log.askMessage(frame.askId);
        if (messageId !== undefined)
          this.#log.changeMessage(messageId, (message) =>
            message.ask ? { ...message, ask: { ...message.ask, open: false, outcome: frame.outcome } } : message,
          );
        break;
      }
      case "audio_state":
        this.#audio = frame.connected;
        break;
      case "feedback_saved": {
        const forId = this.#feedback.get(frame.replyTo);
        this.#feedback.delete(frame.replyTo);
        if (forId !== undefined)
          this.#changeFeedback(forId, (old) => ({ ...old, state: "saved", id: frame.feedbackId }));
        break;
      }
      case "error":
        this.#error(frame);
        break;
      case "starters":
        this.#starters = frame.starters;
        break;
      case "commands":
        this.#commands = frame.commands;
        break;
      case "modes":
        this.#modes = frame.modes;
        break;
      case "favorites":
        this.#favorites = frame.messages;
        if (frame.replyTo !== undefined) this.#favoriteRequests.delete(frame.replyTo);
        for (const { id } of frame.messages) this.#log.markFavorite(id, true); // a reopened thread's messages
        break;
      case "chat_settings":
        this.#settings = { inputs: frame.inputs, values: frame.values };
        break;
      case "element":
        if (frame.forId !== undefined) this.#log.putElement(frame.forId, frame.element);
        break;
      case "remove_elements":
        this.#log.removeElements(frame.ids);
        break;
      case "message_steered": {
        // The running task took this message: no task of its own will start for it.
        const waiting = this.#requests.indexOf(frame.replyTo);
        if (waiting >= 0) this.#requests.splice(waiting, 1);
        return;
      }
      case "follow":
        this.#followed(frame.frame, frame.seq);
        return;
      case "sidebar":
        return; // not conversation state: the client's events carry it
      case "welcome":
      case "resume_failed":
      case "shutdown":
      case "window_message":
      case "toast":
      case "audio_output":
      case "audio_interrupt":
      case "audio_dropped":
      case "notice":
      case "usage":
      case "mcp_connected":
      case "mcp_disconnected":
        return; // no conversation state: the client's events carry them
      default:
        frame satisfies never; // a frame type added to the protocol and not handled here fails tsc
    }
    this.#changed();
  }

  /** A frame of a turn another socket on the thread runs (another tab, or the owner seen from a shared view): shown
   * like this session's own, except that its task answers none of this client's requests. */
  #followed(frame: ServerFrameOf<"follow">["frame"], seq: number): void {
    if (frame.type === "task_start") this.#tasks.set(frame.taskId, undefined);
    else if (frame.type === "task_end") this.#tasks.delete(frame.taskId);
    else {
      this.apply({ ...frame, seq } as ServerFrame);
      return;
    }
    this.#changed();
  }

  #error(frame: ServerFrameOf<"error">): void {
    this.#errors = [...this.#errors.slice(-(ERRORS_KEPT - 1)), frame];
    const replyTo = frame.replyTo;
    if (replyTo === undefined) return;
    this.#calls.delete(replyTo); // refused (UNKNOWN_ACTION, QUEUE_FULL) or failed: pressable again
    // Refused before its task started (QUEUE_FULL, UNKNOWN_ACTION, BAD_FRAME): no task will run it.
    const waiting = this.#requests.indexOf(replyTo);
    if (waiting >= 0) this.#requests.splice(waiting, 1);
    const forId = this.#feedback.get(replyTo);
    this.#feedback.delete(replyTo);
    if (forId !== undefined) this.#changeFeedback(forId, (old) => ({ ...old, state: "failed" }));
    const favorite = this.#favoriteRequests.get(replyTo);
    this.#favoriteRequests.delete(replyTo);
    if (favorite !== undefined) this.#log.markFavorite(favorite.messageId, !favorite.favorite);
  }

  #changeFeedback(forId: string, feedback: ChatFeedback | ((old: ChatFeedback) => ChatFeedback)): void {
    if (this.#log.changeFeedback(forId, feedback)) this.#changed();
  }

  #changed(): void {
    this.#snapshot = undefined;
  }

  #build(): ChatSnapshot {
    const { messages, elements } = this.#log.messages();
    const asks: PendingAsk[] = [];
    for (const ask of this.#asks.values()) {
      const message = this.#log.message(ask.messageId);
      if (message === undefined) continue;
      const files = ask.files === undefined ? {} : { files: ask.files };
      asks.push({ askId: ask.askId, kind: ask.kind, message, timeoutMs: ask.timeoutMs, ...files });
    }
    return {
      status: this.#status,
      session: this.#session,
      threadName: this.#threadName,
      messages,
      tree: this.#log.tree(),
      elements,
      actions: messages.filter((message) => message.live && message.ask === undefined).flatMap((m) => m.actions),
      pressed: [...new Set(this.#calls.values())],
      asks,
      busy: this.#tasks.size > 0,
      audio: this.#audio,
      settings: this.#settings,
      starters: this.#starters,
      commands: this.#commands,
      modes: this.#modes,
      favorites: this.#favorites,
      errors: this.#errors,
    };
  }
}

/** A streamed text after one token: appended, or replaced by it (`replace: true`). */
function appended(text: string | undefined, frame: { readonly token: string; readonly replace?: true }): string {
  return frame.replace === true ? frame.token : (text ?? "") + frame.token;
}
