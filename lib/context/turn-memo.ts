// What a durable turn's steps are memoised in (docs/durability.md): each `ctx.step` has a place in its turn — its
// parent's place, its name and how many steps of that name came before under that parent — and a step that finished
// in an earlier attempt of the turn gives back its stored output instead of running again. The session backs it
// (session/turn-journal.ts); a context without one runs every step.

/** A step's output as recalled from an earlier attempt. */
export interface Recalled {
  readonly value: unknown;
}

/** The memo of one turn's steps, and the ids of what the turn sends (the same on every attempt). */
export interface TurnMemo {
  /** The place of the next step called `name` under `parent` (`""` at the top of the turn). */
  place(parent: string, name: string): string;
  /** Ids made under `scope` (a step's place; `""` for the turn itself): the n-th is the same on every attempt. */
  idsUnder(scope: string): () => string;
  /** The output of the step at `place` if it finished in an earlier attempt. */
  recall(place: string): Recalled | undefined;
  /** Stores the output of the step at `place`; resolves once it is committed (or could not be: logged). */
  remember(place: string, value: unknown): Promise<void>;
  /** Its stored asks, when the store keeps them. */
  readonly asks?: TurnAsks | undefined;
}

/** What an earlier attempt of the turn stored of one ask: its answer if it was given, and when it times out. */
export interface RecalledAsk {
  /** The answer (an AskAnswer), given before this attempt or to the stored ask in between. */
  readonly answer?: unknown;
  /** The ask's deadline, ms since the epoch: a later attempt waits only what is left of it. */
  readonly deadline: number;
}

/** A durable turn's stored asks (docs/durability.md#stored-asks): an ask that waits is stored with its turn, and a
 * later attempt of the turn, which makes the same ask id, gets its answer back instead of asking again. */
export interface TurnAsks {
  /** What an earlier attempt stored of ask `askId`; undefined on a first attempt, or when it was not stored. */
  recall(askId: string): Promise<RecalledAsk | undefined>;
  /** Stores the ask (its `ask` frame without `timeoutMs`) before it is sent; the turn is `waiting` until it ends. */
  wait(askId: string, frame: object, deadline: number): Promise<void>;
  /** The ask ended where it waited: answered (`answer`, stored for later attempts) or timed out (undefined). */
  ended(askId: string, answer: unknown): Promise<void>;
}
