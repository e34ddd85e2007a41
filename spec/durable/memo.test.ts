// ctx.step in a durable turn (docs/durability.md): steps are memoised by their place (parent, name, index); a later
// attempt of the turn recalls the finished ones without running them, makes the same ids, and runs the rest.
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ChatContext, createContext } from "../../lib/context/context.ts";
import type { ContextInit } from "../../lib/context/init.ts";
import { createStateStore } from "../../lib/context/state.ts";
import type { TurnWrite } from "../../lib/data/turns.ts";
import { createRecordingLogger } from "../../lib/logger.ts";
import type { OutgoingFrame } from "../../lib/protocol/server.ts";
import { ActionBook } from "../../lib/session/actions.ts";
import { AskBook } from "../../lib/session/asks.ts";
import { CommandBook } from "../../lib/session/chat-commands.ts";
import { ModeBook } from "../../lib/session/modes.ts";
import { SettingsBook } from "../../lib/session/settings.ts";
import { ThreadIds } from "../../lib/session/thread-ids.ts";
import { TurnJournal } from "../../lib/session/turn-journal.ts";
import { UsageBook } from "../../lib/session/usage.ts";

/** One attempt of turn `turnId`: a context whose steps go through a journal seeded with `stored`. */
function attempt(turnId: string, stored: ReadonlyMap<string, string | null>) {
  const frames: OutgoingFrame[] = [];
  const writes: TurnWrite[] = [];
  let flushes = 0;
  const journal = new TurnJournal(
    turnId,
    {
      recordTurn: (write) => writes.push(write),
      flush: async () => {
        flushes += 1;
      },
    },
    createRecordingLogger(),
    stored,
  );
  const init: ContextInit<Record<string, unknown>> = {
    sessionId: "s1",
    threadId: "thread-1",
    state: createStateStore(),
    log: createRecordingLogger(),
    emit: (frame) => {
      frames.push(frame);
    },
    asks: new AskBook(),
    actions: new ActionBook(),
    settings: new SettingsBook(),
    commands: new CommandBook(),
    modes: new ModeBook(),
    history: () => [],
    usage: new UsageBook(undefined),
    newId: journal.idsUnder(""),
    turn: journal,
    now: () => new Date("2026-01-01T00:00:00.000Z"),
    askTimeoutMs: 1000,
  };
  const ctx: ChatContext = createContext(init, new AbortController().signal);
  const outputs = () =>
    new Map(writes.flatMap((write) => (write.kind === "turn_step" ? [[write.place, write.output] as const] : [])));
  return { ctx, frames, writes, outputs, flushes: () => flushes };
}

/** A handler with a nested step, two steps of one name, one returning undefined, and a side effect counter each. */
function handler(runs: Map<string, number>, failThird = false) {
  const ran = (name: string) => runs.set(name, (runs.get(name) ?? 0) + 1);
  return async (ctx: ChatContext) => {
    const results: unknown[] = [];
    results.push(
      await ctx.step({ name: "search" }, async (step) => {
        ran("search");
        const inner = await step.step({ name: "fetch" }, () => {
          ran("fetch");
          return "page";
        });
        return { hits: 3, inner };
      }),
    );
    results.push(
      await ctx.step({ name: "search" }, () => {
        ran("search again");
        return "second";
      }),
    );
    results.push(
      await ctx.step({ name: "log" }, () => {
        ran("log");
        return undefined;
      }),
    );
    results.push(
      await ctx.step({ name: "answer" }, () => {
        ran("answer");
        if (failThird) throw new Error("the model went away");
        return 42;
      }),
    );
    const message = await ctx.send("done");
    return { results, messageId: message.id };
  };
}

test("a step's place is its parent's place, its name and its index among its name's steps", () => {
  const journal = new TurnJournal("t", { recordTurn: () => {}, flush: async () => {} }, createRecordingLogger());
  assert.equal(journal.place("", "search"), "/search#0");
  assert.equal(journal.place("", "search"), "/search#1");
  assert.equal(journal.place("/search#0", "fetch"), "/search#0/fetch#0");
  assert.equal(journal.place("", "a/b#c"), "/a%2Fb%23c#0");
});

test("a first attempt runs every step and commits each output before going on", async () => {
  const runs = new Map<string, number>();
  const first = attempt(new ThreadIds("thread-1").next(), new Map());
  await handler(runs)(first.ctx);
  assert.deepEqual(Object.fromEntries(runs), { search: 1, fetch: 1, "search again": 1, log: 1, answer: 1 });
  assert.deepEqual(Object.fromEntries(first.outputs()), {
    "/search#0/fetch#0": '"page"',
    "/search#0": '{"hits":3,"inner":"page"}',
    "/search#1": '"second"',
    "/log#0": null,
    "/answer#0": "42",
  });
  assert.equal(first.flushes(), 5);
});

test("a later attempt recalls the finished steps without running or sending them, and makes the same ids", async () => {
  const turnId = new ThreadIds("thread-1").next();
  const firstRuns = new Map<string, number>();
  const first = attempt(turnId, new Map());
  // The first attempt dies in its last step: the steps before it are stored, that one is not.
  await assert.rejects(handler(firstRuns, true)(first.ctx), /went away/);
  assert.equal(first.outputs().has("/answer#0"), false);

  const runs = new Map<string, number>();
  const second = attempt(turnId, first.outputs());
  const { results, messageId } = await handler(runs)(second.ctx);
  assert.deepEqual(Object.fromEntries(runs), { answer: 1 });
  assert.deepEqual(results, [{ hits: 3, inner: "page" }, "second", undefined, 42]);
  // Only the step that ran now is sent; its id, and the message's after it, are the first attempt's.
  const stepIds = (frames: OutgoingFrame[], name: string) =>
    new Set(frames.flatMap((frame) => (frame.type === "step" && frame.step.name === name ? [frame.step.id] : [])));
  assert.deepEqual(
    new Set(second.frames.flatMap((frame) => (frame.type === "step" ? [frame.step.name] : []))),
    new Set(["answer"]),
  );
  assert.deepEqual(stepIds(second.frames, "answer"), stepIds(first.frames, "answer"));
  const third = attempt(turnId, second.outputs());
  const again = await handler(new Map())(third.ctx);
  assert.equal(again.messageId, messageId);
  // The ids are the thread's: tagged as ThreadIds makes them, so feedback on them is accepted.
  assert.ok(new ThreadIds("thread-1").owns(messageId));
  assert.ok([...stepIds(first.frames, "search")].every((id) => new ThreadIds("thread-1").owns(id)));
});

test("an output JSON cannot hold is stored as null and recalled as undefined, without running the step again", async () => {
  const first = attempt("t1", new Map());
  let runs = 0;
  const big = () => {
    runs += 1;
    return 10n;
  };
  assert.equal(await first.ctx.step({ name: "big" }, big), 10n);
  assert.equal(first.outputs().get("/big#0"), null);
  const second = attempt("t1", first.outputs());
  assert.equal(await second.ctx.step({ name: "big" }, big), undefined);
  assert.equal(runs, 1);
});
