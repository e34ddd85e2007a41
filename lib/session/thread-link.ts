// A session's link to its stored thread: what it emits and receives goes to the recorder. The thread is created
// lazily, at the first user message or feedback (as Chainlit does), so a visitor who only saw the greeting leaves
// no thread; frames and thread changes made before that are held and written when it is created.

import type { ThreadChanges, ThreadWriter } from "../context/thread.ts";
import { FAVORITES_METADATA_KEY, withFavorite } from "../data/favorites.ts";
import { CONVERSATION_METADATA_KEY, STORE_METADATA_KEY, type ThreadPatch } from "../data/layer.ts";
import type { Recorder, UserMessageRecord } from "../data/recorder.ts";
import type { TurnWrite } from "../data/turns.ts";
import type { Feedback } from "../hooks/payloads.ts";
import type { Logger } from "../logger.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { JsonObject, User } from "../protocol/views.ts";

/** chatwire's own keys of a thread's metadata; the app's `ctx.thread.setMetadata` leaves them as they are. */
const OWN_KEYS: readonly string[] = [STORE_METADATA_KEY, CONVERSATION_METADATA_KEY, FAVORITES_METADATA_KEY];

/** Frames held before the thread exists; beyond this the thread is created anyway. */
const MAX_HELD = 256;

/** What a link knows of its thread: who owns it, and its metadata (for a reopened thread, as loaded). */
export interface LinkedThread {
  readonly owner?: User;
  readonly secretHash?: string;
  readonly metadata: JsonObject;
}

/** Persistence of one session's conversation. */
export class ThreadLink implements ThreadWriter {
  #exists: boolean;
  #named: boolean;
  #held: OutgoingFrame[] = [];
  /** The thread's metadata as this session last wrote it: the app's keys and the saved state. */
  #metadata: JsonObject;
  /** Name and tags set before the thread exists: written with its creation. */
  #pending: { name?: string; tags?: readonly string[] } = {};

  private readonly recorder: Recorder;
  readonly threadId: string;
  private readonly thread: LinkedThread;
  private readonly log: Logger;

  constructor(recorder: Recorder, threadId: string, thread: LinkedThread, log: Logger, exists: boolean) {
    this.recorder = recorder;
    this.threadId = threadId;
    this.thread = thread;
    this.log = log;
    this.#exists = exists;
    this.#named = exists; // a reopened thread has its name; a new one is named after its first user message
    this.#metadata = thread.metadata;
  }

  /** Records an outgoing frame (held until the thread exists). */
  record(frame: OutgoingFrame): void {
    if (this.#exists) this.recorder.record(this.threadId, frame);
    else if (this.#held.push(frame) > MAX_HELD) this.#create();
  }

  recordUserMessage(message: UserMessageRecord): void {
    this.#create();
    this.recorder.recordUserMessage(this.threadId, { ...message, nameThread: !this.#named });
    this.#named = true;
  }

  /** Records feedback, creating the thread first if needed (feedback on the greeting is a first write too). */
  recordFeedback(feedback: Feedback): void {
    this.#create();
    this.recorder.recordFeedback(this.threadId, feedback);
  }

  /** Records the removal of the feedback on `messageId`. Without a stored thread there is none to remove. */
  deleteFeedback(messageId: string): void {
    if (this.#exists) this.recorder.deleteFeedback(this.threadId, messageId);
  }

  /** Marks or unmarks one of this thread's user messages as a favorite, in the thread's metadata (favorites.ts). A
   * favorite is a stored user message, so the thread exists by then. */
  setFavorite(messageId: string, favorite: boolean): void {
    this.#metadata = withFavorite(this.#metadata, messageId, favorite);
    if (this.#exists) this.recorder.updateThread(this.threadId, this.#metadataPatch([FAVORITES_METADATA_KEY]));
  }

  /** `ctx.thread`'s changes: written at once if the thread exists, else with its creation. */
  updateThread({ name, tags, metadata }: ThreadChanges): void {
    if (name !== undefined) this.#named = true; // the first user message must not rename it
    const before = this.#metadata;
    if (metadata !== undefined) this.#metadata = this.#withStore(metadata);
    // The app's keys only: chatwire's own are carried over unchanged by #withStore.
    const appKeys = [...new Set([...Object.keys(before), ...Object.keys(this.#metadata)])].filter(
      (key) => !OWN_KEYS.includes(key),
    );
    const named = { ...(name === undefined ? {} : { name }), ...(tags === undefined ? {} : { tags }) };
    if (!this.#exists) {
      this.#pending = { ...this.#pending, ...named };
      return;
    }
    this.recorder.updateThread(this.threadId, {
      ...named,
      ...(metadata === undefined ? {} : this.#metadataPatch(appKeys)),
    });
  }

  /** Records a durable turn's write (the thread exists by then: the turn's input was recorded first). */
  recordTurn(write: TurnWrite): void {
    if (this.#exists) this.recorder.recordTurn(this.threadId, write);
  }

  /** Forgets the open streams `ids` unwritten: a durable turn taken over by another node (turn-fence.ts). */
  forgetStreams(ids: readonly string[]): void {
    this.recorder.forgetStreams(ids);
  }

  /** Resolves when everything recorded so far is committed; rejects if some of it was lost. */
  flush(): Promise<void> {
    return this.#exists ? this.recorder.flush(this.threadId) : Promise.resolve();
  }

  /** Whether the recorder's queue is filling up: the session should wait for its writes before going on. */
  get congested(): boolean {
    return this.recorder.congested();
  }

  /**
   * Queues the session's state into the thread's metadata (key `chatwireSession`), replacing the one saved before.
   * Each value goes through JSON: a value JSON cannot hold (a function, a BigInt, a cycle, undefined) is skipped
   * with a warning, never a crash. Does nothing while the thread does not exist. Call it whenever the store
   * should survive: when the connection drops and when the session ends.
   */
  saveState(snapshot: Record<string, unknown>, conversation?: JsonObject): void {
    if (!this.#exists) return;
    if (conversation !== undefined) this.#metadata = { ...this.#metadata, [CONVERSATION_METADATA_KEY]: conversation };
    const kept: JsonObject = {};
    for (const [key, value] of Object.entries(snapshot)) {
      try {
        const text = JSON.stringify(value);
        if (text === undefined) throw new TypeError(`${typeof value} is not JSON`);
        kept[key] = JSON.parse(text);
      } catch (error) {
        this.log.warn({ threadId: this.threadId, key, err: error }, "session store value not saved: not JSON");
      }
    }
    this.#metadata = { ...this.#metadata, [STORE_METADATA_KEY]: kept };
    const keys = conversation === undefined ? [STORE_METADATA_KEY] : [STORE_METADATA_KEY, CONVERSATION_METADATA_KEY];
    this.recorder.updateThread(this.threadId, this.#metadataPatch(keys));
  }

  /** The write of this session's metadata: the `keys` it changed, as they now are (another session on the thread
   * keeps its own keys), and the whole of it for a data layer that does not apply keys. */
  #metadataPatch(keys: readonly string[]): ThreadPatch {
    const set: JsonObject = {};
    const unset: string[] = [];
    for (const key of keys) {
      const value = this.#metadata[key];
      if (value === undefined) unset.push(key);
      else set[key] = value;
    }
    return { metadata: this.#metadata, metadataKeys: { set, unset } };
  }

  /** The app's new metadata, keeping chatwire's own keys (the saved state, conversation and favorites). */
  #withStore(metadata: JsonObject): JsonObject {
    const kept = { ...metadata };
    for (const key of OWN_KEYS) {
      if (this.#metadata[key] !== undefined) kept[key] = this.#metadata[key];
    }
    return kept;
  }

  #create(): void {
    if (this.#exists) return;
    this.#exists = true;
    const { owner, secretHash } = this.thread;
    const { name, tags } = this.#pending;
    this.recorder.ensureThread({
      id: this.threadId,
      ...(owner ? { owner } : {}),
      ...(secretHash ? { secretHash } : {}),
      ...(name === undefined ? {} : { name }),
      ...(tags === undefined ? {} : { tags }),
      metadata: this.#metadata,
    });
    for (const frame of this.#held) this.recorder.record(this.threadId, frame);
    this.#held = [];
    this.#pending = {};
  }
}
