// `ctx.thread`: the app names, tags and annotates the stored conversation. The changes go to the session's thread
// writer (persistence); without persistence there is nothing to write and the calls only check their input.
import { FAVORITES_METADATA_KEY } from "../data/favorites.ts";
import { CONVERSATION_METADATA_KEY, STORE_METADATA_KEY } from "../data/layer.ts";
import type { JsonObject } from "../protocol/views.ts";

/** A change of the stored thread: absent fields stay as they are; `metadata` replaces the app's metadata whole. */
export interface ThreadChanges {
  readonly name?: string;
  readonly tags?: readonly string[];
  readonly metadata?: JsonObject;
}

/** Where a session's thread changes go (the session's ThreadLink with persistence on; a list in a fake context). */
export interface ThreadWriter {
  updateThread(changes: ThreadChanges): void;
}

/** The stored conversation, as a handler may change it. */
export interface ThreadHandle {
  /** The thread's id (the same as `ctx.threadId`). */
  readonly id: string;
  /** Names the thread (1 to 200 characters, trimmed). An explicit name wins over the one taken from the first user
   * message, whichever comes first. */
  rename(name: string): Promise<void>;
  /** Replaces the thread's tags (at most 64, each 1 to 100 characters). */
  setTags(tags: readonly string[]): Promise<void>;
  /** Replaces the app's metadata of the thread with a JSON object (the session state kept there is not touched). */
  setMetadata(metadata: JsonObject): Promise<void>;
}

const MAX_NAME = 200;
const MAX_TAGS = 64;
const MAX_TAG = 100;

/** A plain JSON copy of `value`: what the database will hold, so later changes to the app's object do not leak in. */
function jsonCopy(metadata: JsonObject): JsonObject {
  let text: string | undefined;
  try {
    text = JSON.stringify(metadata);
  } catch (error) {
    throw new TypeError(`thread metadata must be JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  const copy: unknown = text === undefined ? undefined : JSON.parse(text);
  if (typeof copy !== "object" || copy === null || Array.isArray(copy)) {
    throw new TypeError("thread metadata must be a JSON object");
  }
  return copy as JsonObject;
}

/**
 * The `ctx.thread` of a context whose thread changes go to `writer` (none: checked, then dropped).
 * @example await createThreadHandle("t1", link).rename("Trip to Oslo");
 */
export function createThreadHandle(id: string, writer: ThreadWriter | undefined): ThreadHandle {
  return {
    id,
    async rename(name) {
      const trimmed = typeof name === "string" ? name.trim() : "";
      if (trimmed.length === 0 || trimmed.length > MAX_NAME) {
        throw new RangeError(`a thread name has 1 to ${MAX_NAME} characters`);
      }
      writer?.updateThread({ name: trimmed });
    },
    async setTags(tags) {
      if (!Array.isArray(tags) || tags.length > MAX_TAGS) throw new RangeError(`a thread has at most ${MAX_TAGS} tags`);
      for (const tag of tags) {
        if (typeof tag !== "string" || tag.length === 0 || tag.length > MAX_TAG) {
          throw new RangeError(`a tag is a string of 1 to ${MAX_TAG} characters`);
        }
      }
      writer?.updateThread({ tags: [...new Set(tags)] });
    },
    async setMetadata(metadata) {
      const copy = jsonCopy(metadata);
      for (const key of [STORE_METADATA_KEY, CONVERSATION_METADATA_KEY, FAVORITES_METADATA_KEY]) {
        if (key in copy) throw new RangeError(`"${key}" is chatwire's own metadata key`);
      }
      writer?.updateThread({ metadata: copy });
    },
  };
}
