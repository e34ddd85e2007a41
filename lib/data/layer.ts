// The DataLayer interface: what chatwire stores (users, threads, messages, steps, feedback, elements) and how it
// reads it back. Implementations: sqlite.ts (embedded default), postgres.ts, memory.ts (tests). No SQL here.
import type { ThreadDict, ThreadElement, ThreadMessageStep, ThreadToolStep } from "../hooks/payloads.ts";
import type { FavoriteView } from "../protocol/favorites.ts";
import type { ElementDisplay, ElementKind, JsonObject, MessageView, StepView, User } from "../protocol/views.ts";
import { FAVORITES_METADATA_KEY } from "./favorites.ts";
import type { FileStore } from "./files.ts";
import type { TurnStore, TurnWrite } from "./turns.ts";

/** The key of a thread's metadata that holds the saved session store: server-side only, never sent to a client. */
export const STORE_METADATA_KEY = "chatwireSession";
/** The key of a thread's metadata that holds the conversation's settings values and chat profile, restored when the
 * thread is reopened: server-side only too. */
export const CONVERSATION_METADATA_KEY = "chatwireConversation";

/** A user as stored: the declared `User` plus the id threads point to. */
export interface StoredUser {
  readonly id: string;
  readonly identifier: string;
  readonly displayName?: string;
  readonly metadata: JsonObject;
  readonly createdAt: string;
}

/** A thread to create. Owned threads have `userId`; anonymous ones have `secretHash` (see secret.ts). */
export interface NewThread {
  readonly id: string;
  readonly userId?: string;
  readonly secretHash?: string;
  readonly name?: string;
  readonly tags?: readonly string[];
  readonly metadata?: JsonObject;
}

/** A thread's raw record, including who may see it. Never send `secretHash` to a client. */
export interface ThreadRecord {
  readonly id: string;
  readonly createdAt: string;
  readonly name?: string;
  readonly userId?: string;
  readonly userIdentifier?: string;
  readonly secretHash?: string;
  /** The id of its read-only link while its author shares it (`setThreadShare`). */
  readonly shareId?: string;
  readonly tags: readonly string[];
  readonly metadata: JsonObject;
}

/** The fields of a thread that can change after creation. Absent fields stay as they are. */
export interface ThreadPatch {
  readonly name?: string;
  readonly tags?: readonly string[];
  /** The whole new metadata. */
  readonly metadata?: JsonObject;
  /** The top-level keys of the metadata this patch changes (`set` replaces each key's whole value, `unset` removes
   * keys); the other keys keep what is stored, which another session on the thread may have written since. With
   * it, the layers apply these keys instead of `metadata` (which the session sends too: a layer of your own that
   * does not know `metadataKeys` replaces the whole metadata, as before). */
  readonly metadataKeys?: { readonly set: JsonObject; readonly unset: readonly string[] };
}

/** One page of a user's threads, newest first. */
export interface ThreadListQuery {
  readonly userId: string;
  /** Case-insensitive substring of the thread name. */
  readonly search?: string;
  /** Page size, 1..100. Default 20. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string;
}

/** A page of threads; `nextCursor` is absent on the last page. */
export interface ThreadPage {
  readonly threads: readonly ThreadRecord[];
  readonly nextCursor?: string;
}

/** Thumbs feedback on a stored message or step (`forId`): 1 up, 0 down. A message or step has one at most. */
export interface StoredFeedback {
  readonly id: string;
  readonly forId: string;
  readonly value: 0 | 1;
  readonly comment?: string;
}

/** A history entry with the feedback it got, if any (still a valid ThreadDict step). */
export type LoadedStep =
  | (ThreadMessageStep & { readonly feedback?: StoredFeedback })
  | (ThreadToolStep & { readonly feedback?: StoredFeedback });

/** An element's metadata as stored: Chainlit's element fields, with how it is shown. The bytes live at `url`. */
export interface StoredElement extends ThreadElement {
  readonly display?: ElementDisplay;
  readonly kind?: ElementKind;
  /** The JSON of the kinds without bytes (dataframe, plotly, vega, tasklist, custom). */
  readonly props?: JsonObject;
}

/** A stored thread, Chainlit-shaped, with each step's feedback: what `onChatResume` and the routes get. A message
 * with elements (`forId` its id) carries them in `elements` too, so a history renders without a lookup. */
export interface LoadedThread extends ThreadDict {
  readonly steps: readonly LoadedStep[];
  readonly elements: readonly StoredElement[];
}

/** One write of conversation content. `apply` runs a list of them in one transaction. */
export type DataWrite =
  /** Creates the thread unless a thread with this id exists (then nothing changes). With `owner`, the user is
   * upserted first in the same transaction and owns the thread (its id replaces `thread.userId`). */
  | { readonly kind: "thread"; readonly thread: NewThread; readonly owner?: User }
  /** Changes name, tags or metadata (as `updateThread`); nothing happens if the thread does not exist. */
  | { readonly kind: "thread_patch"; readonly threadId: string; readonly patch: ThreadPatch }
  /** Sets the thread's name only if it has none (first user message names the thread). */
  | { readonly kind: "default_name"; readonly threadId: string; readonly name: string }
  /** Inserts or replaces a message; its place in the history is where it was first written. */
  | { readonly kind: "message"; readonly threadId: string; readonly message: MessageView }
  /** Inserts or replaces a step; its place in the history is where it was first written. */
  | { readonly kind: "step"; readonly threadId: string; readonly step: StepView }
  /** Deletes a message or step, its feedback and the elements attached to it. */
  | { readonly kind: "delete_step"; readonly id: string }
  /** Inserts the feedback of `forId` (a stored message or step), or replaces it, id included: one per step. */
  | { readonly kind: "feedback"; readonly feedback: StoredFeedback }
  /** Deletes the feedback of the message or step `forId`, if it has one. */
  | { readonly kind: "delete_feedback"; readonly forId: string }
  /** Inserts or replaces an element's metadata (the bytes live elsewhere, at `url`). */
  | { readonly kind: "element"; readonly threadId: string; readonly element: StoredElement }
  | { readonly kind: "delete_element"; readonly id: string }
  /** A durable turn's record and its steps' outputs (turns.ts); only for a layer with `turns`. */
  | TurnWrite;

/** How long `apply` may wait for the database. */
export interface ApplyOptions {
  /** Ms since the epoch: past it, a database that is still locked or away makes `apply` reject with
   * DataUnavailableError (nothing written). Default: the layer's own timeout from now. */
  readonly deadline?: number;
}

/** A login throttle counter an attempt is charged to, and how many attempts in a row it allows before locking. */
export interface LoginCharge {
  readonly key: string;
  readonly freeAttempts: number;
}

/** How a counter locks once past its free attempts: `firstLockMs`, doubling with each attempt up to `maxLockMs`.
 * A counter charged nothing for `resetAfterMs` (at least `maxLockMs`) starts over. */
export interface LockPolicy {
  readonly firstLockMs: number;
  readonly maxLockMs: number;
  readonly resetAfterMs: number;
}

/** Where chatwire keeps conversations. Every method may reject (the database is down, a constraint failed); one
 * that gave up waiting for a busy or unreachable database rejects with DataUnavailableError (unavailable.ts). */
export interface DataLayer {
  /** Which implementation this is, for logs. */
  readonly kind: "sqlite" | "postgres" | "memory";
  /** How many `apply` calls the recorder may have running at once, each for threads the others do not hold (a
   * thread's writes stay in order). Default 1: one batch after the other. */
  readonly batchesInFlight?: number;
  /** Creates or upgrades the schema. Idempotent; safe to run from several processes at once. */
  migrate(): Promise<void>;
  /** Releases the connection(s). The layer is unusable afterwards. */
  close(): Promise<void>;

  /** Creates the user, or updates its displayName and metadata, by `identifier`. */
  upsertUser(user: User): Promise<StoredUser>;
  getUser(identifier: string): Promise<StoredUser | undefined>;

  /** Creates a thread unless one with this id exists; returns the stored record either way (check its owner!). */
  createThread(thread: NewThread): Promise<ThreadRecord>;
  /** The raw record, including owner and secret hash. */
  getThread(id: string): Promise<ThreadRecord | undefined>;
  /** The whole thread with its history, in the order it happened. */
  loadThread(id: string): Promise<LoadedThread | undefined>;
  listThreads(query: ThreadListQuery): Promise<ThreadPage>;
  /** Returns the updated record, or undefined if there is no such thread. */
  updateThread(id: string, patch: ThreadPatch): Promise<ThreadRecord | undefined>;
  /** Where uploads and elements' bytes live, in the same database. A layer without one (an embedder's own) gets an
   * in-memory store from the gateway. */
  readonly files?: FileStore;
  /** Durable turns' records (turns.ts, docs/durability.md). Optional for an embedder's own layer: without it, turns
   * are not durable (a turn whose process dies ends with what was stored). */
  readonly turns?: TurnStore;
  /** Deletes the thread with its steps, feedback, elements and files. False if there was no such thread. */
  deleteThread(id: string): Promise<boolean>;
  /** Shares the thread under `shareId`, or stops sharing it (`null`): the updated record, undefined if there is no
   * such thread. A thread already shared keeps its share id, so two shares at once agree on one link. */
  setThreadShare(threadId: string, shareId: string | null): Promise<ThreadRecord | undefined>;
  /** The whole thread shared under `shareId`, as `loadThread` gives it; undefined once unshared or deleted. */
  getSharedThread(shareId: string): Promise<LoadedThread | undefined>;

  /** The user's favorite messages (user messages of their own threads listed in the thread's `chatwireFavorites`
   * metadata, favorites.ts), newest first, at most `limit` (1..50, default 50). Optional for an embedder's own
   * layer: without it, favorites are off (FAVORITES_DISABLED). */
  listFavorites?(userIdentifier: string, limit?: number): Promise<FavoriteView[]>;

  /** Sticky tool approvals (`ctx.approve`, grants.ts): whether any of `holders` ("thread:<id>", "user:<identifier>")
   * was granted `tool`. The three grant methods are optional for an embedder's own layer: without them, "Allow in
   * this conversation" lasts as long as the session and "Always allow" is not offered. */
  hasToolGrant?(holders: readonly string[], tool: string): Promise<boolean>;
  /** Keeps a grant of `tool` for `holder` (nothing changes if it has it). */
  addToolGrant?(holder: string, tool: string): Promise<void>;
  /** Forgets the grants of `tool` held by each of `holders`. */
  removeToolGrant?(holders: readonly string[], tool: string): Promise<void>;

  /** Runs the writes in order, in one transaction: all of them are stored, or none (and it rejects). */
  apply(writes: readonly DataWrite[], options?: ApplyOptions): Promise<void>;

  /** Records a logged-out session token's id until `expiresAt` (seconds since the epoch); forgets expired ones. */
  revokeToken(tokenId: string, expiresAt: number): Promise<void>;
  /** Whether the token id was revoked and its revocation has not expired by `now` (seconds since the epoch). */
  isTokenRevoked(tokenId: string, now: number): Promise<boolean>;

  /** Charges a login attempt at `now` (ms since the epoch) to every counter, atomically (across processes and nodes
   * sharing the database): if one of them is locked, nothing changes and it resolves with the time its lock ends
   * (the latest, if several are); else each counts one more attempt, locking per `policy`, and it resolves 0. */
  chargeLogin(charges: readonly LoginCharge[], now: number, policy: LockPolicy): Promise<number>;
  /** After a correct login: deletes the counters `forget`, and takes one attempt back from each of `refund`,
   * unlocking it. */
  settleLogin(forget: readonly string[], refund: readonly string[]): Promise<void>;
}

/**
 * Page size bounds shared by every implementation: 1..100, default 20.
 * @example pageLimit(500) === 100
 */
export const pageLimit = (limit: number | undefined): number => Math.min(100, Math.max(1, limit ?? 20));

/** How thread names are cut when they come from a message. */
export const NAME_MAX = 80;

/** chatwire's own keys of a thread's metadata: the saved session store and conversation, which only the server
 * reads, and the owner's favorites (sent as `favorites` frames, never with the thread: a shared view must not show
 * them). */
const OWN_METADATA_KEYS: readonly string[] = [STORE_METADATA_KEY, CONVERSATION_METADATA_KEY, FAVORITES_METADATA_KEY];

/**
 * The thread as a client may see it: without chatwire's own metadata keys.
 * @example clientThread(await layer.loadThread(id)).metadata.chatwireSession === undefined
 */
export function clientThread<T extends { readonly metadata: JsonObject }>(thread: T): T {
  if (!OWN_METADATA_KEYS.some((key) => key in thread.metadata)) return thread;
  const metadata = Object.fromEntries(
    Object.entries(thread.metadata).filter(([key]) => !OWN_METADATA_KEYS.includes(key)),
  );
  return { ...thread, metadata };
}

/**
 * Attaches each element to the message it belongs to (`forId`), as `elements` of that message.
 * @example withElements([{ kind: "message", id: "m1", … }], [{ id: "e1", forId: "m1", name: "a.png", url: "/a" }])
 */
export function withElements(steps: readonly LoadedStep[], elements: readonly StoredElement[]): LoadedStep[] {
  const byMessage = new Map<string, StoredElement[]>();
  for (const element of elements) {
    if (element.forId === undefined || (element.url === undefined && element.props === undefined)) continue;
    const list = byMessage.get(element.forId) ?? [];
    list.push(element);
    byMessage.set(element.forId, list);
  }
  if (byMessage.size === 0) return [...steps];
  return steps.map((step) => {
    const attached = step.kind === "message" ? byMessage.get(step.id) : undefined;
    if (attached === undefined) return step;
    const views = attached.map(({ id, name, url, mime, display, kind, props }) => ({
      id,
      name,
      ...(url === undefined ? {} : { url }),
      ...(mime === undefined ? {} : { mime }),
      ...(display === undefined ? {} : { display }),
      ...(kind === undefined ? {} : { kind }),
      ...(props === undefined ? {} : { props }),
    }));
    return { ...step, elements: views };
  });
}
