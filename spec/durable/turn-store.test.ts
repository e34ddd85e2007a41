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

      await layer.apply([{ kind: "turn_end", id: "turn1", state: "done" }]);
      assert.deepEqual(await store.openTurns("t1"), []);
      assert.equal(await store.claimTurn("turn1", "b", "c"), false, "an ended turn is nobody's to claim");
      assert.equal(await store.countOrphans("z"), 0);
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
