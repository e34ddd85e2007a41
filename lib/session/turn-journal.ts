// One durable turn's journal (docs/durability.md): the TurnMemo its context's steps use, backed by the stored turn.
// Ids are derived from the turn's id and a place, so a later attempt of the turn makes the same ones: its answer
// continues the same message instead of adding another.
import { hash } from "node:crypto";
import type { Recalled, RecalledAsk, TurnAsks, TurnMemo } from "../context/turn-memo.ts";
import type { AskStore, TurnWrite } from "../data/turns.ts";
import type { Logger } from "../logger.ts";

/** Where a journal's writes go: the session's thread link. */
export interface TurnWrites {
  recordTurn(write: TurnWrite): void;
  /** Resolves once everything recorded so far is committed; rejects if some of it was lost. */
  flush(): Promise<void>;
}

/** Where a journal stores its turn's asks, and what it writes into them. */
export interface JournalAsks {
  readonly store: AskStore;
  readonly nodeId: string;
  readonly threadId: string;
  /** The signed-in user of the session: the one who may answer. */
  readonly owner: string | undefined;
  /** Whether an earlier attempt may have stored asks (a first attempt has none to read). */
  readonly earlier: boolean;
}

/** A thread's ids start with an 8-character tag (thread-ids.ts); 16 more characters follow. */
const TAG_LENGTH = 8;
const REST_LENGTH = 16;

/** A step's output as stored: JSON text, null for what JSON cannot hold (it comes back undefined). */
function storedOutput(value: unknown): string | null {
  try {
    return JSON.stringify(value) ?? null;
  } catch {
    return null;
  }
}

/** The memo of one attempt of one turn. `steps` are the outputs stored by earlier attempts. A turn that runs no step
 * and asks nothing (most turns) makes no more than its id counter: the rest is made on first use. */
export class TurnJournal implements TurnMemo {
  readonly id: string;
  /** Steps started so far under each `parent/name`. */
  #counts: Map<string, number> | undefined;
  /** Ids made so far at the top level, and under each other scope. */
  #topIds = 0;
  #made: Map<string, number> | undefined;
  readonly #earlier: ReadonlyMap<string, string | null>;
  #steps: Map<string, string | null> | undefined;
  readonly #writes: TurnWrites;
  readonly #log: Logger;
  readonly #asksAt: JournalAsks | undefined;
  #asks: (TurnAsks & { readonly open: number }) | undefined;

  constructor(
    id: string,
    writes: TurnWrites,
    log: Logger,
    steps: ReadonlyMap<string, string | null> = new Map(),
    asks?: JournalAsks,
  ) {
    this.id = id;
    this.#writes = writes;
    this.#log = log;
    this.#earlier = steps;
    this.#asksAt = asks;
  }

  /** The turn's stored asks, when the store keeps them (made when an ask first reads them). */
  get asks(): (TurnAsks & { readonly open: number }) | undefined {
    if (this.#asks === undefined && this.#asksAt !== undefined)
      this.#asks = storedAsks(this.id, this.#asksAt, this.#writes, this.#log);
    return this.#asks;
  }

  /** How many stored asks of the turn wait now. */
  get openAsks(): number {
    return this.#asks?.open ?? 0;
  }

  place(parent: string, name: string): string {
    const key = `${parent}/${encodeURIComponent(name)}`;
    this.#counts ??= new Map();
    const counts = this.#counts;
    const index = counts.get(key) ?? 0;
    counts.set(key, index + 1);
    return `${key}#${index}`;
  }

  idsUnder(scope: string): () => string {
    const derive = (n: number): string => {
      const rest = hash("sha256", `${this.id}\n${scope}\n${n}`, "base64url");
      // The thread's tag comes from the turn's own id, which the thread made: the id is recognised as this thread's.
      return this.id.slice(0, TAG_LENGTH) + rest.slice(0, REST_LENGTH);
    };
    if (scope === "") return () => derive(this.#topIds++);
    return () => {
      this.#made ??= new Map();
      const made = this.#made;
      const n = made.get(scope) ?? 0;
      made.set(scope, n + 1);
      return derive(n);
    };
  }

  recall(place: string): Recalled | undefined {
    const steps = this.#steps ?? this.#earlier;
    if (!steps.has(place)) return undefined;
    const text = steps.get(place) ?? null;
    return { value: text === null ? undefined : JSON.parse(text) };
  }

  async remember(place: string, value: unknown): Promise<void> {
    const output = storedOutput(value);
    this.#steps ??= new Map(this.#earlier);
    this.#steps.set(place, output);
    this.#writes.recordTurn({ kind: "turn_step", turnId: this.id, place, output });
    // Committed before the handler goes on: a step whose output is stored never runs again.
    await this.#writes.flush().catch((error: unknown) => {
      this.#log.error({ err: error, turnId: this.id, place }, "a step's output was not stored: it may run again");
    });
  }
}

/** The TurnAsks of turn `turnId`. A store that fails is logged: the ask then lives in this process only. */
function storedAsks(
  turnId: string,
  asks: JournalAsks,
  writes: TurnWrites,
  log: Logger,
): TurnAsks & { readonly open: number } {
  const { store, nodeId, threadId, owner } = asks;
  /** The stored asks waiting now (stored, not ended where they waited). */
  const open = new Set<string>();
  const logged = (what: string) => (error: unknown) => {
    log.error({ err: error, turnId }, what);
  };
  return {
    get open() {
      return open.size;
    },
    async recall(askId): Promise<RecalledAsk | undefined> {
      if (!asks.earlier) return undefined;
      const stored = await store.find(askId).catch(logged("a stored ask could not be read: it is asked again"));
      if (stored === undefined || stored.turnId !== turnId) return undefined;
      return {
        deadline: Date.parse(stored.deadline),
        ...(stored.answer === undefined ? {} : { answer: JSON.parse(stored.answer) }),
      };
    },
    async wait(askId, frame, deadline) {
      // The turn's own row first (its start is queued with the conversation's writes): the ask refers to it.
      await writes
        .flush()
        .then(() =>
          store.wait(
            {
              askId,
              turnId,
              threadId,
              ...(owner === undefined ? {} : { owner }),
              frame,
              deadline: new Date(deadline).toISOString(),
            },
            nodeId,
          ),
        )
        .then(() => open.add(askId), logged("an ask was not stored: it will not outlive this process"));
    },
    async ended(askId, answer) {
      open.delete(askId);
      try {
        if (answer !== undefined) await store.answer(askId, JSON.stringify(answer));
        await store.resume(turnId, nodeId);
      } catch (error) {
        logged("an ask's end was not stored: a recovery may ask it again")(error);
      }
    },
  };
}
