// A durable turn for fake contexts (docs/testing.md#durable-turns): each fake context given the same FakeTurn is one
// attempt of that turn, backed by the real journal (session/turn-journal.ts) over an in-memory store. A test runs a
// handler until it waits on an ask, lets that attempt die, answers the stored ask as a client would after a
// restart, and runs the handler again: its finished steps and the answered ask come back without running again.
import type { AskStore, StoredAsk } from "../data/turns.ts";
import { ChatwireError } from "../errors.ts";
import { createRecordingLogger } from "../logger.ts";
import { answerOf } from "../session/stored-asks.ts";
import { TurnJournal } from "../session/turn-journal.ts";

/** One durable turn across fake contexts (`createFakeContext({ turn })`): its stored steps and asks. */
export interface FakeTurn {
  /** Attempts started so far (fake contexts made with it). */
  readonly attempts: number;
  /** The outputs of its finished steps, by place (`/name#index`). */
  readonly steps: ReadonlyMap<string, unknown>;
  /** The questions of its stored asks that wait for an answer, oldest first. */
  waiting(): string[];
  /** Answers the oldest stored ask that waits, with text or the action of that name, as a client does after the
   * node holding the turn died; the next attempt's ask returns it without asking. Throws UNKNOWN_ASK if none. */
  answer(reply: { readonly content: string } | { readonly actionName: string }): void;
}

/** The journal of a fake turn's next attempt, for the fake context. */
const attempts = new WeakMap<FakeTurn, () => TurnJournal>();

/** The journal a fake context made with `turn` runs on (its next attempt). */
export function nextAttempt(turn: FakeTurn): TurnJournal {
  const attempt = attempts.get(turn);
  if (attempt === undefined) throw new TypeError("`turn` is not a fakeTurn()");
  return attempt();
}

/**
 * A durable turn to give fake contexts: one per attempt of the same turn.
 * @example
 * const turn = fakeTurn();
 * const first = createFakeContext({ turn });
 */
export function fakeTurn(): FakeTurn {
  const id = "turn0000";
  const outputs = new Map<string, string | null>();
  const asks = new Map<string, StoredAsk>();
  let count = 0;
  const store: AskStore = {
    wait: async (ask) => {
      if (!asks.has(ask.askId)) asks.set(ask.askId, ask);
    },
    find: async (askId) => asks.get(askId),
    ofTurn: async () => [...asks.values()],
    answer: async (askId, answer) => {
      const ask = asks.get(askId);
      if (ask === undefined || ask.answer !== undefined) return false;
      asks.set(askId, { ...ask, answer });
      return true;
    },
    resume: async () => {},
    release: async () => {},
  };
  const writes = {
    recordTurn(write: { kind: string; place?: string; output?: string | null }) {
      if (write.kind === "turn_step" && write.place !== undefined) outputs.set(write.place, write.output ?? null);
    },
    flush: async () => {},
  };
  const open = () => [...asks.values()].filter((ask) => ask.answer === undefined);
  const turn: FakeTurn = {
    get attempts() {
      return count;
    },
    get steps() {
      return new Map([...outputs].map(([place, text]) => [place, text === null ? undefined : JSON.parse(text)]));
    },
    waiting: () => open().map((ask) => (ask.frame as { message: { content: string } }).message.content),
    answer(reply) {
      const ask = open()[0];
      if (ask === undefined) throw new ChatwireError("UNKNOWN_ASK", "no stored ask waits for an answer");
      const actions = (ask.frame as { message: { actions?: { id: string; name: string }[] } }).message.actions;
      const actionId = "actionName" in reply ? actions?.find((one) => one.name === reply.actionName)?.id : undefined;
      const given = answerOf(ask, {
        type: "ask_reply",
        askId: ask.askId,
        ...("content" in reply ? { content: reply.content } : { actionId: actionId ?? "none" }),
      });
      asks.set(ask.askId, { ...ask, answer: JSON.stringify(given) });
    },
  };
  attempts.set(turn, () => {
    count += 1;
    const asksOf = { store, nodeId: `node${count}`, threadId: "thread1", owner: undefined, earlier: count > 1 };
    return new TurnJournal(id, writes, createRecordingLogger(), outputs, asksOf);
  });
  return turn;
}
