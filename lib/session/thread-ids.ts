// Ids of a thread's messages and steps, which say which thread they belong to.
import { createHash } from "node:crypto";
import { nanoid } from "nanoid";

const TAG_LENGTH = 8;
const RANDOM_LENGTH = 16;

/**
 * Every id made for a thread starts with a tag derived from the thread's id (48 bits of its SHA-256), then 16
 * random characters. Feedback may name only its own conversation's messages: checking the tag answers that without
 * remembering every id a long session ever sent (a set of them cost a tenth of the CPU and most of the GC under
 * load), and holds for the messages of earlier sessions of the thread too. A foreign id has another thread's tag.
 */
export class ThreadIds {
  readonly #tag: string;

  constructor(threadId: string) {
    this.#tag = createHash("sha256").update(threadId).digest("base64url").slice(0, TAG_LENGTH);
  }

  /** A new id for a message or step of this thread. */
  next(): string {
    return this.#tag + nanoid(RANDOM_LENGTH);
  }

  /** Whether `id` was made for this thread. */
  owns(id: string): boolean {
    return id.length === TAG_LENGTH + RANDOM_LENGTH && id.startsWith(this.#tag);
  }
}
