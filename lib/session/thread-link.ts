// A session's link to its stored thread: what it emits and receives goes to the recorder. The thread is created
// lazily, at the first user message (as Chainlit does), so a visitor who only saw the greeting leaves no thread.
import type { Logger } from "../context/logger.ts";
import type { Recorder, UserMessageRecord } from "../data/recorder.ts";
import type { Feedback } from "../hooks/payloads.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { JsonObject, User } from "../protocol/views.ts";

/** Frames held before the thread exists; beyond this the thread is created anyway. */
const MAX_HELD = 256;

/** Where the session store is kept in the thread's metadata. */
export const STORE_METADATA_KEY = "chatwireSession";

/** Persistence of one session's conversation. */
export class ThreadLink {
  #exists: boolean;
  #named: boolean;
  #held: OutgoingFrame[] = [];

  constructor(
    private readonly recorder: Recorder,
    readonly threadId: string,
    private readonly thread: { readonly owner?: User; readonly secretHash?: string; readonly metadata: JsonObject },
    private readonly log: Logger,
    exists: boolean,
  ) {
    this.#exists = exists;
    this.#named = exists; // a reopened thread has its name; a new one is named after its first user message
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

  recordFeedback(feedback: Feedback): void {
    if (this.#exists) this.recorder.recordFeedback(this.threadId, feedback);
  }

  /** Resolves when everything recorded so far is committed; rejects if some of it was lost. */
  flush(): Promise<void> {
    return this.#exists ? this.recorder.flush(this.threadId) : Promise.resolve();
  }

  /** Whether the recorder's queue is filling up: the session should wait for its writes before going on. */
  get congested(): boolean {
    return this.recorder.congested();
  }

  /** Saves the session store into the thread's metadata; values JSON cannot hold are skipped with a warning. */
  saveStore(snapshot: Record<string, unknown>): void {
    if (!this.#exists) return;
    const kept: JsonObject = {};
    for (const [key, value] of Object.entries(snapshot)) {
      try {
        if (JSON.stringify(value) === undefined) throw new TypeError(`${typeof value} is not JSON`);
        kept[key] = value;
      } catch (error) {
        this.log.warn({ threadId: this.threadId, key, err: error }, "session store value not saved: not JSON");
      }
    }
    this.recorder.updateThread(this.threadId, { metadata: { ...this.thread.metadata, [STORE_METADATA_KEY]: kept } });
  }

  #create(): void {
    if (this.#exists) return;
    this.#exists = true;
    const { owner, secretHash } = this.thread;
    this.recorder.ensureThread({
      id: this.threadId,
      ...(owner ? { owner } : {}),
      ...(secretHash ? { secretHash } : {}),
    });
    for (const frame of this.#held) this.recorder.record(this.threadId, frame);
    this.#held = [];
  }
}
