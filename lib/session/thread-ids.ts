// Ids of a thread's messages and steps, which say which thread they belong to.
import { createHash, randomFillSync } from "node:crypto";
import { urlAlphabet } from "nanoid";

const TAG_LENGTH = 8;
const RANDOM_LENGTH = 16;
const ID_LENGTH = TAG_LENGTH + RANDOM_LENGTH;

/** nanoid's alphabet as byte values: a random byte's low 6 bits pick one (64 characters, so every one is as likely). */
const ALPHABET = Buffer.from(urlAlphabet, "latin1");
/** Random bytes for 1,024 ids at a time, refilled when used up (a call to the CSPRNG costs more than its bytes). */
const pool = Buffer.allocUnsafe(RANDOM_LENGTH * 1024);
let used = pool.length;
/** Where an id is written before it becomes one string. */
const scratch = Buffer.allocUnsafe(ID_LENGTH);

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

  /**
   * A new id for a message or step of this thread: nanoid's 16 random characters after the tag, written into a
   * buffer and read out as one string (nanoid appends a character at a time: 16 strings, and a concatenation with
   * the tag, per id were a tenth of a round trip's garbage; docs/performance.md).
   */
  next(): string {
    if (used + RANDOM_LENGTH > pool.length) {
      randomFillSync(pool);
      used = 0;
    }
    const tag = this.#tag;
    for (let i = 0; i < TAG_LENGTH; i++) scratch[i] = tag.charCodeAt(i);
    for (let i = 0; i < RANDOM_LENGTH; i++) {
      scratch[TAG_LENGTH + i] = ALPHABET[(pool[used + i] as number) & 63] as number;
    }
    used += RANDOM_LENGTH;
    return scratch.toString("latin1", 0, ID_LENGTH);
  }

  /** Whether `id` was made for this thread. */
  owns(id: string): boolean {
    return id.length === ID_LENGTH && id.startsWith(this.#tag);
  }
}
