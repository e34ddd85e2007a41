// The turn store of each data layer (lib/data/turns.ts): a turn's record and its steps' outputs as written through
// `apply`, the live turns of a thread, a claim that one node wins, and the count of orphans.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import type { DataLayer } from "../../lib/data/layer.ts";
import { createMemoryLayer } from "../../lib/data/memory.ts";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { createSqliteLayer } from "../../lib/data/sqlite.ts";
import { postgresDatabases } from "../support/postgres.ts";

const input = { id: "u1", clientId: "c1", content: "go", createdAt: "2026-01-01T00:00:00.000Z", files: [] };

function turnStoreContract(open: () => Promise<DataLayer>) {
  test("a turn's record and step outputs come back while it is live; a claim is one node's; an end closes it", async () => {
    const layer = await open();
    try {
      const store = layer.turns ?? assert.fail("no turn store");
      await layer.createThread({ id: "t1" });
      await layer.apply([
        { kind: "turn_start", turn: { id: "turn1", threadId: "t1", input, nodeId: "a", startedAt: input.createdAt } },
        { kind: "turn_step", turnId: "turn1", place: "/tool#0", output: '{"n":1}' },
        { kind: "turn_step", turnId: "turn1", place: "/log#0", output: null },
      ]);
      const [turn] = await store.openTurns("t1");
      assert.equal(turn?.state, "running");
      assert.equal(turn?.nodeId, "a");
      assert.equal(turn?.attempts, 1);
      assert.deepEqual(turn?.input, input);
      assert.deepEqual([...(turn?.steps ?? [])].sort(), [
        ["/log#0", null],
        ["/tool#0", '{"n":1}'],
      ]);
      assert.equal(await store.countOrphans("b"), 1);
      assert.equal(await store.countOrphans("a"), 0);

      assert.equal(await store.claimTurn("turn1", "x", "b"), false, "not from a node that does not own it");
      assert.equal(await store.claimTurn("turn1", "a", "b"), true);
      assert.equal(await store.claimTurn("turn1", "a", "c"), false, "claimed already");
      const [claimed] = await store.openTurns("t1");
      assert.deepEqual([claimed?.state, claimed?.nodeId, claimed?.attempts], ["recovered", "b", 2]);

      // The old owner's end does not land on a turn another node claimed (a cluster's fencing).
      await layer.apply([{ kind: "turn_end", id: "turn1", state: "failed", reason: "error", nodeId: "a" }]);
      assert.deepEqual(
        (await store.openTurns("t1")).map((open) => [open.state, open.nodeId]),
        [["recovered", "b"]],
      );
      if (store.ownedElsewhere !== undefined && store.disown !== undefined) {
        assert.deepEqual(await store.ownedElsewhere(["turn1", "nope"], "a"), ["turn1"]);
        assert.deepEqual(await store.ownedElsewhere(["turn1"], "b"), []);
        await store.disown(["turn1"], "a");
        assert.equal((await store.openTurns("t1"))[0]?.nodeId, "b", "not a claimed turn");
      }
      await layer.apply([{ kind: "turn_end", id: "turn1", state: "done", nodeId: "b" }]);
      assert.deepEqual(await store.openTurns("t1"), []);
      assert.equal(await store.claimTurn("turn1", "b", "c"), false, "an ended turn is nobody's to claim");
      assert.equal(await store.countOrphans("z"), 0);
    } finally {
      await layer.close();
    }
  });

  test("listOrphans: live turns of other nodes across threads, oldest first, bounded; a waiting turn only once its ask is answered or past its deadline", async () => {
    const layer = await open();
    try {
      const store = layer.turns ?? assert.fail("no turn store");
      const list = store.listOrphans?.bind(store) ?? assert.fail("no listOrphans");
      for (const id of ["ta", "tb"]) await layer.createThread({ id });
      const start = (id: string, threadId: string, nodeId: string, second: number) => ({
        kind: "turn_start" as const,
        turn: { id, threadId, input, nodeId, startedAt: `2026-01-01T00:00:0${second}.000Z` },
      });
      await layer.apply([
        start("o2", "tb", "dead", 2),
        start("o1", "ta", "dead", 1),
        start("mine", "ta", "here", 0),
        start("alive", "tb", "live", 3),
        start("ended", "ta", "dead", 4),
        { kind: "turn_end", id: "ended", state: "done" },
      ]);
      const ids = async (except: string[], limit = 10, now = "2026-06-01T00:00:00.000Z") =>
        (await list(except, limit, now)).map((turn) => `${turn.id}@${turn.threadId}/${turn.nodeId}`);
      assert.deepEqual(await ids(["here"]), ["o1@ta/dead", "o2@tb/dead", "alive@tb/live"]);
      assert.deepEqual(await ids(["here", "live"]), ["o1@ta/dead", "o2@tb/dead"]);
      assert.deepEqual(await ids(["here", "live"], 1), ["o1@ta/dead"]);
      const asks = store.asks;
      if (asks === undefined) return; // the memory layer stores no asks
      const ask = { turnId: "o1", threadId: "ta", frame: { type: "ask" }, deadline: "2026-06-01T00:00:10.000Z" };
      await asks.wait({ askId: "k1", ...ask }, "dead");
      assert.deepEqual(await ids(["here", "live"]), ["o2@tb/dead"], "its ask is open: it waits for the user");
      assert.deepEqual(
        await ids(["here", "live"], 10, "2026-06-01T00:00:11.000Z"),
        ["o1@ta/dead", "o2@tb/dead"],
        "past its deadline: the sweeper runs it",
      );
      assert.equal(await asks.answer("k1", '{"kind":"text","content":"x"}'), true);
      assert.deepEqual(await ids(["here", "live"]), ["o1@ta/dead", "o2@tb/dead"], "answered: run with its answer");
    } finally {
      await layer.close();
    }
  });

  test("two claims at once: exactly one wins", async () => {
    const layer = await open();
    try {
      const store = layer.turns ?? assert.fail("no turn store");
      await layer.createThread({ id: "t2" });
      await layer.apply([
        {
          kind: "turn_start",
          turn: { id: "turn2", threadId: "t2", input, nodeId: "dead", startedAt: input.createdAt },
        },
      ]);
      const wins = await Promise.all(["b", "c", "d"].map((node) => store.claimTurn("turn2", "dead", node)));
      assert.equal(wins.filter(Boolean).length, 1);
      if (store.disown !== undefined) {
        // Let go by its owner: live, owned by no node, for any node to claim.
        const owner = (await store.openTurns("t2"))[0]?.nodeId ?? "";
        await store.disown(["turn2"], owner);
        assert.deepEqual(
          (await store.openTurns("t2")).map((open) => [open.state, open.nodeId]),
          [["recovered", ""]],
        );
        assert.equal(await store.claimTurn("turn2", "", "e"), true);
      }
    } finally {
      await layer.close();
    }
  });
}

describe("memory turn store", () => {
  turnStoreContract(async () => {
    const layer = createMemoryLayer();
    await layer.migrate();
    return layer;
  });
});

describe("sqlite turn store", () => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-turns-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  turnStoreContract(async () => {
    const layer = createSqliteLayer({ path: join(dir, `case-${++n}.db`) });
    await layer.migrate();
    return layer;
  });
});

describe("postgres turn store", () => {
  const freshDatabase = postgresDatabases("turns");
  turnStoreContract(async () => {
    const layer = createPostgresLayer({ connectionString: await freshDatabase() });
    await layer.migrate();
    return layer;
  });
});
