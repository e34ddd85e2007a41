// The chatwire client: one logical connection (connection.ts), the conversation state kept from its frames
// (state.ts), typed events (events.ts), and the commands a UI needs (stored threads: threads.ts). Framework-free:
// React and the AI SDK adapt it elsewhere.

import type {
  ActionView,
  ChatProfileList,
  ClientFrame,
  FavoriteView,
  ServerFrame,
  ThreadRequest,
} from "../protocol/index.ts";
import type { McpConnection } from "../protocol/mcp.ts";
import {
  type AudioRecording,
  type AudioSender,
  type MediaStreamLike,
  type RecordingOptions,
  recordAudio,
  sendAudio,
} from "./audio.ts";
import { OutputTracks } from "./audio-output.ts";
import { Connection, type ConnectionStatus, type SessionStart } from "./connection.ts";
import { Emitter, type Unsubscribe } from "./emitter.ts";
import { ChatwireClientError } from "./errors.ts";
import type { ClientEvents } from "./events.ts";
import { idMaker } from "./ids.ts";
import type { ConnectOptions } from "./options.ts";
import { PendingRequests } from "./pending.ts";
import { listChatProfiles, type RouteTarget, routesBase, type UploadedFile, uploadFile } from "./routes.ts";
import type { ChatSnapshot } from "./snapshot.ts";
import { ConversationState } from "./state.ts";
import { type ClientThreads, clientThreads } from "./threads.ts";

/** An action to call: the action itself, or its id. */
export type ActionRef = ActionView | string;

/** A chatwire client: the conversation's state, its events and its commands. */
export class ChatClient {
  readonly #connection: Connection;
  readonly #state = new ConversationState();
  readonly #events = new Emitter<ClientEvents>();
  readonly #listeners = new Set<() => void>();
  readonly #newId = idMaker();
  readonly #routes: RouteTarget;
  /** Requests waiting for their answer, by frame id: feedback (feedback_saved) and action calls (their task). */
  readonly #waiting = new PendingRequests();
  #recording: AudioRecording | undefined;
  /** The upload ticket of the current session (each welcome brings one). */
  #uploadToken: string | undefined;
  readonly #tracks = new OutputTracks();

  readonly url: string;
  /** The signed-in user's stored threads (HTTP routes; persistence on). */
  readonly threads: ClientThreads;

  constructor(url: string, options: ConnectOptions = {}) {
    this.url = url;
    const headers = { ...options.headers, ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) };
    const hasHeaders = Object.keys(headers).length > 0;
    this.#routes = {
      base:
        options.api === undefined ? routesBase(url) : new URL(options.api.replace(/\/?$/, "/"), routesBase(url)).href,
      headers,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    };
    this.#connection = new Connection(
      url,
      {
        ...(hasHeaders ? { headers } : {}),
        ...pick(options, ["chatProfile", "reconnect", "ackEvery", "ackDelayMs", "WebSocket"]),
      },
      {
        frame: (frame) => this.#frame(frame),
        binary: (bytes) => {
          const chunk = this.#tracks.decode(bytes);
          if (chunk !== undefined) this.#events.emit("audio", chunk);
        },
        sent: (frame) => {
          if (frame.type === "user_message" || frame.type === "action_call") this.#state.written();
        },
        session: (start) => this.#session(start),
        status: (status) => this.#change(() => this.#state.setStatus(status)),
        offline: (offline) => this.#events.emit("offline", offline),
        closed: (closed) => {
          this.#change(() => this.#state.closed());
          this.#waiting.rejectAll("the client is closed");
          this.#events.emit("closed", closed);
        },
      },
    );
    this.threads = clientThreads({
      routes: this.#routes,
      session: () => this.#connection.session,
      open: (thread) => this.open(thread),
    });
    this.#connection.open(options.thread, options.view === undefined ? undefined : { shareId: options.view });
  }

  /** Subscribes to snapshot changes (useSyncExternalStore's `subscribe`); returns the unsubscribe. */
  readonly subscribe = (listener: () => void): Unsubscribe => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** The conversation now, immutable: the same object until something changes (useSyncExternalStore's getSnapshot). */
  readonly getSnapshot = (): ChatSnapshot => this.#state.snapshot();

  /** Listens to one of the client's events; returns the unsubscribe. */
  on<K extends keyof ClientEvents>(name: K, listener: (event: ClientEvents[K]) => void): Unsubscribe {
    return this.#events.on(name, listener);
  }

  /** The connection's status now. */
  get status(): ConnectionStatus {
    return this.#state.snapshot().status;
  }

  /** Sends the user's text (`user_message`) and shows it at once; returns the message's client id. Sent when the
   * session is ready if it is not now. `command`: one of `snapshot.commands`' ids (`message.command` for the app);
   * `modes`: an option id for some of `snapshot.modes` (`message.modes`); `files`: ids from `upload`, attached to
   * the message. */
  send(
    text: string,
    options: {
      readonly command?: string;
      readonly modes?: Readonly<Record<string, string>>;
      readonly files?: readonly string[];
    } = {},
  ): string {
    this.#usable();
    if (this.#state.snapshot().session?.view === true) {
      // The server would refuse it too: a viewer's message must not even show as sent.
      throw new ChatwireClientError("VIEW_ONLY", "this client views a shared thread read-only: it cannot send");
    }
    const id = this.#newId("msg");
    this.#change(() => this.#state.addLocal(id, text));
    this.#state.requested(id);
    const command = options.command === undefined ? {} : { command: options.command };
    const modes = options.modes === undefined ? {} : { modes: { ...options.modes } };
    const files = options.files === undefined || options.files.length === 0 ? {} : { files: [...options.files] };
    this.#connection.send({ type: "user_message", id, content: text, ...command, ...modes, ...files });
    return id;
  }

  /** Uploads a file for this session (`POST /files` with its ticket); name its id in `send` or `answerAsk`.
   * Rejects with FILE_TOO_LARGE, UPLOAD_QUOTA, FILE_REFUSED… (the server's code), or CLIENT_CLOSED before any
   * session. */
  async upload(file: Blob, name = file instanceof File ? file.name : "file"): Promise<UploadedFile> {
    this.#usable();
    const ticket = this.#uploadToken;
    if (ticket === undefined) throw new ChatwireClientError("CLIENT_CLOSED", "no session yet: wait for `connected`");
    return uploadFile(this.#routes, ticket, file, name);
  }

  /** Calls an action (a button under a message). Settles when its task has ended; rejects with the error frame's
   * code if the server refused or the callback failed. Its id is in `snapshot.pressed` until then. */
  callAction(action: ActionRef): Promise<void> {
    this.#usable();
    const actionId = typeof action === "string" ? action : action.id;
    const id = this.#newId("action");
    this.#change(() => this.#state.actionCalled(id, actionId));
    this.#state.requested(id);
    const done = this.#waiting.wait(id).then(() => undefined);
    this.#connection.send({ type: "action_call", id, actionId });
    return done;
  }

  /** Answers an ask: text for a text ask (shown as the user's message), an action (or its id) for an action ask,
   * uploads' ids for a file ask. */
  answerAsk(
    askId: string,
    answer: string | { readonly action: ActionRef } | { readonly files: readonly string[] },
  ): void {
    this.#usable();
    this.#change(() => this.#state.askAnswered(askId));
    if (typeof answer === "object" && "files" in answer) {
      this.#connection.send({ type: "ask_reply", askId, files: [...answer.files] });
    } else if (typeof answer === "string") {
      this.#change(() => this.#state.addLocal(this.#newId("answer"), answer));
      this.#connection.send({ type: "ask_reply", askId, content: answer });
    } else {
      const actionId = typeof answer.action === "string" ? answer.action : answer.action.id;
      this.#connection.send({ type: "ask_reply", askId, actionId });
    }
  }

  /** Stops the running task (its signal aborts with reason `stop`; onStop runs). */
  stop(): void {
    this.#usable();
    this.#connection.send({ type: "stop", id: this.#newId("stop") });
  }

  /** Thumbs on a message: 1 up, 0 down, null removes it. Resolves with the stored feedback's id. */
  rate(messageId: string, value: 0 | 1 | null, comment?: string): Promise<string> {
    this.#usable();
    const id = this.#newId("feedback");
    this.#change(() => this.#state.feedbackSent(id, messageId, value, comment));
    const saved = this.#waiting.wait(id);
    const frame: ClientFrame = {
      type: "feedback",
      id,
      messageId,
      value,
      ...(comment === undefined ? {} : { comment }),
    };
    this.#connection.send(frame);
    return saved;
  }

  /** Edits one of the user's messages (the id `send` returned, or a stored one's): it shows the new text at once,
   * what came after it goes, and the app's onMessage runs again with it. Returns the edit's id (errors about it:
   * UNKNOWN_MESSAGE, EDITS_DISABLED, carry it as `replyTo`). */
  editMessage(messageId: string, content: string): string {
    this.#usable();
    const id = this.#newId("edit");
    this.#change(() => this.#state.edited(messageId, content));
    this.#state.requested(id);
    this.#connection.send({ type: "edit_message", id, messageId, content });
    return id;
  }

  /** Marks one of the user's messages as a favorite (`false` unmarks it): the id `send` returned, or a stored one's.
   * The message shows it at once; resolves with the user's favorites once stored (also `snapshot.favorites`), and
   * rejects with the refusal (FAVORITES_DISABLED, SIGN_IN_REQUIRED, NOT_YOUR_MESSAGE, UNKNOWN_MESSAGE). */
  favorite(messageId: string, favorite = true): Promise<readonly FavoriteView[]> {
    this.#usable();
    const id = this.#newId("favorite");
    this.#change(() => this.#state.favoriteSent(id, messageId, favorite));
    const stored = this.#waiting.wait(id).then(() => this.#state.snapshot().favorites);
    this.#connection.send({ type: "favorite", id, messageId, favorite });
    return stored;
  }

  /** Changes settings (some or all inputs, by id). The snapshot's `settings` follow the server's answer
   * (`chat_settings`); a value the form refuses comes back as a BAD_SETTINGS error. */
  updateSettings(values: Readonly<Record<string, unknown>>): void {
    this.#usable();
    this.#connection.send({ type: "settings_update", id: this.#newId("settings"), values: { ...values } });
  }

  /** Adds an MCP server to the session (docs/protocol.md, mcp_connect); returns the request's id, which the answer
   * carries as `replyTo`: an `mcp_connected` frame with its tools, or an error (MCP_REFUSED, MCP_CONNECT_FAILED…). */
  connectMcp(connection: McpConnection): string {
    this.#usable();
    const id = this.#newId("mcp");
    this.#connection.send({ type: "mcp_connect", id, connection });
    return id;
  }

  /** Removes the session's MCP server `name`; the answer is `mcp_disconnected` (or UNKNOWN_MCP_SERVER). */
  disconnectMcp(name: string): string {
    this.#usable();
    const id = this.#newId("mcp");
    this.#connection.send({ type: "mcp_disconnect", id, name });
    return id;
  }

  /** Passes data to the app's onWindowMessage (as a host page's postMessage would). */
  postWindowMessage(data: unknown): void {
    this.#usable();
    this.#connection.send({ type: "window_message", id: this.#newId("window"), data });
  }

  /** Records a MediaStream (browsers) and streams it to onAudioChunk; stops by itself when the server stops taking
   * audio. Throws what MediaRecorder throws (no encoder, no permission). */
  startAudio(stream: MediaStreamLike, options?: RecordingOptions): AudioRecording;
  /** Starts a recording fed chunk by chunk (Node, or any bytes): `chunk(bytes)`, then `end()`. */
  startAudio(format: { readonly mimeType: string }): AudioSender;
  startAudio(
    source: MediaStreamLike | { readonly mimeType: string },
    options?: RecordingOptions,
  ): AudioRecording | AudioSender {
    this.#usable();
    // Barge-in on this side at once, without waiting for the server's audio_interrupt.
    this.#events.emit("audioInterrupt", { reason: "barge_in" });
    const link = {
      send: (frame: ClientFrame) => this.#connection.send(frame),
      sendBinary: (bytes: Uint8Array) => this.#connection.sendBinary(bytes),
      newId: this.#newId,
    };
    if (!("getTracks" in source)) return sendAudio(link, source.mimeType);
    const recording = recordAudio(link, source, options);
    this.#recording = recording;
    void recording.ended.then(() => {
      if (this.#recording === recording) this.#recording = undefined;
    });
    return recording;
  }

  /** The chat profiles the user may choose from (HTTP, before or during a session); `profiles: []` without any. */
  chatProfiles(): Promise<ChatProfileList> {
    return listChatProfiles(this.#routes);
  }

  /** Starts a new conversation with another chat profile (Chainlit restarts the chat too). Unknown to the app:
   * the server refuses it with UNKNOWN_PROFILE. */
  switchProfile(chatProfile: string): void {
    this.#connection.chooseProfile(chatProfile);
    this.open();
  }

  /** Starts a new session on a clean state: a new conversation, or the stored `thread` reopened. Ends the current
   * session (close code 1000). Also reopens a client that was closed. */
  open(thread?: ThreadRequest): void {
    this.#startOver();
    this.#connection.open(thread);
  }

  /** Views a shared thread read-only and live (its `shareId`), ending the current session: the thread's history,
   * then every turn its owner runs, as it runs. The snapshot's `session.view` is true. */
  view(shareId: string): void {
    this.#startOver();
    this.#connection.open(undefined, { shareId });
  }

  /** A new session is opened: nothing of the old one is answered or shown any more. */
  #startOver(): void {
    this.#waiting.rejectAll("a new session was opened");
    this.#change(() => {
      this.#state.forgetTurns();
      this.#state.clear();
    });
  }

  /** Ends the session for good (close code 1000: the server runs onChatEnd now). */
  close(): void {
    this.#recording?.stop();
    this.#connection.close();
  }

  #usable(): void {
    if (this.#connection.done) throw new ChatwireClientError("CLIENT_CLOSED", "the client is closed: open() it again");
  }

  #session(start: SessionStart): void {
    if (start.replaced) this.#waiting.rejectAll("the session was lost (it could not be resumed)");
    this.#change(() => this.#state.startSession(start));
    const { welcome, replaced, lost, dropped } = start;
    this.#uploadToken = welcome.uploadToken;
    if (start.resumed) this.#events.emit("resumed", { welcome });
    else {
      const event = { welcome, replaced, dropped, ...(lost ? { lost } : {}) };
      this.#events.emit(start.reopened ? "reopened" : "connected", event);
    }
  }

  #frame(frame: ServerFrame): void {
    this.#state.apply(frame);
    if (frame.type === "feedback_saved") this.#waiting.settle(frame.replyTo, frame.feedbackId);
    if (frame.type === "favorites" && frame.replyTo !== undefined) this.#waiting.settle(frame.replyTo, frame.replyTo);
    if (frame.type === "error" && frame.replyTo !== undefined) {
      this.#waiting.reject(frame.replyTo, new ChatwireClientError(frame.code, frame.message));
    }
    if (frame.type === "audio_state" && !frame.connected) this.#recording?.stop();
    if (frame.type === "audio_output") this.#tracks.announce(frame);
    if (frame.type === "audio_interrupt")
      this.#events.emit("audioInterrupt", { reason: frame.reason, ...(frame.track ? { track: frame.track } : {}) });
    this.#events.emit("frame", frame);
    const task = frame.type === "task_start" || frame.type === "task_end" ? this.#state.lastTask : undefined;
    if (task !== undefined) {
      const ended = frame.type === "task_end";
      this.#events.emit("task", {
        taskId: task.taskId,
        state: ended ? "ended" : "started",
        ...(task.request ? { request: task.request } : {}),
      });
      if (ended && task.request !== undefined) this.#waiting.settle(task.request, "");
    }
    this.#notify();
  }

  #change(change: () => void): void {
    const before = this.#state.snapshot();
    change();
    if (this.#state.snapshot() !== before) this.#notify();
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }
}

function pick<T extends object, K extends keyof T>(from: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (from[key] !== undefined) out[key] = from[key];
  return out;
}

/**
 * Connects to a chatwire gateway: hello, then a session kept across dropped connections (acks, resume, the stored
 * thread as fallback). The client reconnects by itself until `close()`.
 * @example
 * const client = connect("ws://127.0.0.1:8000/ws");
 * client.subscribe(() => render(client.getSnapshot()));
 * client.send("hello");
 */
export function connect(url: string, options?: ConnectOptions): ChatClient {
  return new ChatClient(url, options);
}
