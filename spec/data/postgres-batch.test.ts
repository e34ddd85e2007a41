// The PostgreSQL layer writes a batch in a few statements (lib/data/postgres-batch.ts). Whatever it combines or
// reorders, the tables must end as if the writes had been applied one at a time: every case here applies the same
// writes both ways, to two databases of one real server, and compares every row.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import type { DataLayer, DataWrite } from "../../lib/data/layer.ts";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { createRecorder, type RecorderFailure } from "../../lib/data/recorder.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { message, step } from "./contract.ts";

/** Every row a write can touch, in a stable order, without what differs between two runs (times, user ids). */
const DUMP = [
  `SELECT t.id, t.name, u.identifier, t.secret_hash, t.tags, t.metadata FROM chatwire_threads t
   LEFT JOIN chatwire_users u ON u.id = t.user_id ORDER BY t.seq`,
  "SELECT identifier, display_name, metadata FROM chatwire_users ORDER BY identifier",
  `SELECT id, thread_id, kind, name, type, parent_id, input, output, error, start_at, end_at, actions, stopped, icon
   FROM chatwire_steps ORDER BY seq`,
  "SELECT id, thread_id, for_id, name, mime, url, display, kind, props FROM chatwire_elements ORDER BY seq",
  "SELECT id, for_id, value, comment FROM chatwire_feedbacks ORDER BY seq",
  `SELECT id, thread_id, input, node_id, state, attempts, reason, started_at, ended_at IS NULL AS open
   FROM chatwire_turns ORDER BY id`,
  "SELECT turn_id, place, output FROM chatwire_turn_steps ORDER BY turn_id, place",
];

/** A deterministic pseudo-random source (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Text that must survive as SQL literal data. */
const AWKWARD = ["it's", "back\\slash", "$$ dollar $$", "'); DROP TABLE chatwire_steps; --", "zażółć 🚀", '"quoted"'];

/**
 * Batches of valid writes (every thread and turn created before it is used, one thread per message id) mixing every
 * kind, with the same ids written again within a batch and across batches.
 */
function batches(seed: number, count: number): DataWrite[][] {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const threads: string[] = [];
  const stepsOf = new Map<string, string>();
  const turns: string[] = [];
  const elements: string[] = [];
  let n = 0;
  const result: DataWrite[][] = [];
  for (let b = 0; b < count; b++) {
    const batch: DataWrite[] = [];
    const size = 1 + Math.floor(next() * 40);
    while (batch.length < size) {
      const roll = next();
      const threadId = threads.length > 0 ? pick(threads) : undefined;
      if (threadId === undefined || roll < 0.08) {
        const id = next() < 0.8 || threads.length === 0 ? `t${n++}` : pick(threads);
        const owner = next() < 0.5 ? { identifier: pick(["ada", "bob"]), displayName: pick(AWKWARD) } : undefined;
        batch.push({
          kind: "thread",
          thread: { id, ...(next() < 0.3 ? { name: pick(AWKWARD) } : {}), tags: [pick(AWKWARD)] },
          ...(owner === undefined ? {} : { owner }),
        });
        if (!threads.includes(id)) threads.push(id);
      } else if (roll < 0.15) {
        batch.push({ kind: "default_name", threadId, name: `${pick(AWKWARD)} ${n++}` });
      } else if (roll < 0.45) {
        // A new message, or a later version of one of this thread's (a stream's start, flushes and end).
        const mine = [...stepsOf].filter(([, thread]) => thread === threadId).map(([id]) => id);
        const id = mine.length > 0 && next() < 0.5 ? pick(mine) : `m${n++}`;
        const stopped = next() < 0.1 ? { stopped: "user" as const } : {};
        batch.push({ kind: "message", threadId, message: message(id, `${pick(AWKWARD)} ${n++}`, stopped) });
        stepsOf.set(id, threadId);
      } else if (roll < 0.55) {
        const id = `s${n++}`;
        const icon = next() < 0.5 ? { icon: "search" } : {};
        batch.push({ kind: "step", threadId, step: step(id, { input: pick(AWKWARD), ...icon }) });
        stepsOf.set(id, threadId);
      } else if (roll < 0.62) {
        const id = next() < 0.3 && elements.length > 0 ? pick(elements) : `e${n++}`;
        const forId = pick([...stepsOf.keys(), "nowhere"]);
        batch.push({ kind: "element", threadId, element: { id, name: pick(AWKWARD), forId, props: { n } } });
        elements.push(id);
      } else if (roll < 0.7) {
        const id = `turn${n++}`;
        const turn = { id, threadId, input: { text: pick(AWKWARD) }, nodeId: "node-a", startedAt: "2024-05-01" };
        batch.push({ kind: "turn_start", turn });
        turns.push(id);
      } else if (roll < 0.78 && turns.length > 0) {
        batch.push({
          kind: "turn_step",
          turnId: pick(turns),
          place: `/tool#${Math.floor(next() * 3)}`,
          output: `${n++}`,
        });
      } else if (roll < 0.84 && turns.length > 0) {
        batch.push({
          kind: "turn_end",
          id: pick(turns),
          state: pick(["done", "stopped"] as const),
          reason: pick(AWKWARD),
        });
      } else if (roll < 0.89) {
        const set = { [pick(["a", "b"])]: pick(AWKWARD) };
        batch.push({ kind: "thread_patch", threadId, patch: { metadataKeys: { set, unset: [pick(["a", "b"])] } } });
      } else if (roll < 0.93 && stepsOf.size > 0) {
        const forId = pick([...stepsOf.keys()]);
        batch.push({ kind: "feedback", feedback: { id: `f${n++}`, forId, value: next() < 0.5 ? 0 : 1 } });
      } else if (roll < 0.96 && stepsOf.size > 0) {
        const id = pick([...stepsOf.keys()]);
        batch.push({ kind: "delete_step", id });
        stepsOf.delete(id);
      } else if (elements.length > 0) {
        batch.push({ kind: "delete_element", id: pick(elements) });
      }
    }
    result.push(batch);
  }
  return result;
}

describe("postgres batched writes", () => {
  let server: TestPostgres | undefined;
  let admin: pg.Client | undefined;
  const layers: DataLayer[] = [];
  before(async () => {
    server = await startPostgres();
    admin = new pg.Client(server.url);
    await admin.connect();
  });
  after(async () => {
    for (const layer of layers) await layer.close();
    await admin?.end();
    await server?.stop();
  });
  let n = 0;
  const fresh = async (): Promise<{ layer: DataLayer; url: string }> => {
    if (server === undefined || admin === undefined) throw new Error("postgres did not start");
    const name = `batch_${++n}`;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = server.url.replace(/\/postgres$/, `/${name}`);
    const layer = createPostgresLayer({ connectionString: url });
    layers.push(layer);
    await layer.migrate();
    return { layer, url };
  };
  const dump = async (url: string): Promise<unknown[][]> => {
    const client = new pg.Client(url);
    await client.connect();
    try {
      const tables: unknown[][] = [];
      for (const sql of DUMP) tables.push((await client.query(sql)).rows);
      return tables;
    } finally {
      await client.end();
    }
  };

  for (const seed of [1, 2, 3]) {
    test(`mixed batches end as the same writes one at a time (seed ${seed})`, async () => {
      const [batched, alone] = [await fresh(), await fresh()];
      const written = batches(seed, 25);
      for (const batch of written) {
        await batched.layer.apply(batch);
        for (const write of batch) await alone.layer.apply([write]);
      }
      const [got, want] = [await dump(batched.url), await dump(alone.url)];
      assert.deepEqual(got, want);
      assert.ok((want[2]?.length ?? 0) > 50, "the batches stored messages and steps");
      assert.ok((want[5]?.length ?? 0) > 5, "and turns");
    });
  }

  test("a name given before the thread is created in the same batch is applied after it, as one at a time", async () => {
    const [batched, alone] = [await fresh(), await fresh()];
    const batch: DataWrite[] = [
      { kind: "thread", thread: { id: "t0" } },
      { kind: "message", threadId: "t0", message: message("m1", "first") },
      { kind: "default_name", threadId: "t1", name: "too early" },
      { kind: "thread", thread: { id: "t1" } },
      { kind: "default_name", threadId: "t1", name: "in time" },
      { kind: "turn_step", turnId: "turn1", place: "/a#0", output: "1" },
    ];
    // turn_step before its turn fails one at a time; so must the batch.
    await assert.rejects(batched.layer.apply(batch));
    assert.deepEqual((await dump(batched.url))[0], []);
    await batched.layer.apply(batch.slice(0, 5));
    for (const write of batch.slice(0, 5)) await alone.layer.apply([write]);
    assert.deepEqual(await dump(batched.url), await dump(alone.url));
    assert.equal((await batched.layer.getThread("t1"))?.name, "in time");
  });

  test("a turn that ends done in the batch that starts it, with no step there, leaves no row; the others do", async () => {
    const { layer, url } = await fresh();
    const turn = (id: string): DataWrite => ({
      kind: "turn_start",
      turn: { id, threadId: "t1", input: { content: "hi" }, nodeId: "n1", startedAt: "2026-12-07T00:00:00.000Z" },
    });
    await layer.apply([
      { kind: "thread", thread: { id: "t1" } },
      turn("quick"),
      { kind: "message", threadId: "t1", message: message("m1", "echo") },
      { kind: "turn_end", id: "quick", state: "done" },
      turn("stepped"),
      { kind: "turn_step", turnId: "stepped", place: "/a#0", output: "1" },
      { kind: "turn_end", id: "stepped", state: "done" },
      turn("cut"),
      { kind: "turn_end", id: "cut", state: "stopped", reason: "user" },
      turn("live"),
    ]);
    const open = await layer.turns?.openTurns("t1");
    const turns = (await dump(url))[5] as { id: string; state: string }[];
    assert.deepEqual(
      turns.map((row) => [row.id, row.state]),
      [
        ["cut", "stopped"],
        ["live", "running"],
        ["stepped", "done"],
      ],
    );
    assert.deepEqual(
      open?.map((t) => t.id),
      ["live"],
    );
  });

  test("text is stored as written: quotes, backslashes, dollars, emoji; a lone surrogate as U+FFFD, as before", async () => {
    const { layer } = await fresh();
    const texts = [...AWKWARD, "E'\\x41' \\' ''", "lone \ud800 high", "lone \udc00 low", "pair \ud83d\ude80 kept"];
    await layer.apply([
      { kind: "thread", thread: { id: "t1", metadata: { note: texts[0] ?? "" } } },
      ...texts.map((text, i): DataWrite => ({ kind: "message", threadId: "t1", message: message(`m${i}`, text) })),
    ]);
    const stored = (await layer.loadThread("t1"))?.steps.map((s) => (s.kind === "message" ? s.content : ""));
    const expected = texts.map((text) => text.replace("\ud800", "\ufffd").replace("\udc00", "\ufffd"));
    assert.deepEqual(stored, expected);
    assert.deepEqual((await layer.getThread("t1"))?.metadata, { note: texts[0] });
  });

  test("one message id for two threads in a batch is refused whole, as is taking another thread's message", async () => {
    const { layer, url } = await fresh();
    await layer.apply([
      { kind: "thread", thread: { id: "t1" } },
      { kind: "thread", thread: { id: "t2" } },
      { kind: "message", threadId: "t1", message: message("mine", "kept") },
    ]);
    const before = await dump(url);
    await assert.rejects(
      layer.apply([
        { kind: "message", threadId: "t1", message: message("m1", "a") },
        { kind: "message", threadId: "t2", message: message("m1", "b") },
      ]),
      /m1 belongs to another thread/,
    );
    await assert.rejects(
      layer.apply([
        { kind: "message", threadId: "t2", message: message("m2", "fine") },
        { kind: "message", threadId: "t2", message: message("mine", "stolen") },
      ]),
      /mine belongs to another thread/,
    );
    assert.deepEqual(await dump(url), before);
  });

  test("through the recorder: a refused write among many threads' is reported once, the others are stored", async () => {
    const { layer } = await fresh();
    const failures: RecorderFailure[] = [];
    const recorder = createRecorder(layer, { onError: (failure) => failures.push(failure) });
    for (let t = 0; t < 20; t++) recorder.ensureThread({ id: `t${t}` });
    await recorder.flush();
    for (let t = 0; t < 20; t++) recorder.record(`t${t}`, { type: "message_new", message: message(`m${t}`, "hi") });
    // Never created: its message breaks the foreign key, in the middle of the batch.
    recorder.record("ghost", { type: "message_new", message: message("lost", "nobody hears") });
    for (let t = 0; t < 20; t++) recorder.record(`t${t}`, { type: "message_new", message: message(`n${t}`, "again") });
    await Promise.all(Array.from({ length: 20 }, (_, t) => recorder.flush(`t${t}`)));
    await assert.rejects(recorder.flush("ghost"));
    assert.equal(failures.length, 1);
    assert.deepEqual(failures[0]?.threadIds, ["ghost"]);
    assert.equal(failures[0]?.writes, 1);
    for (let t = 0; t < 20; t++)
      assert.deepEqual(
        (await layer.loadThread(`t${t}`))?.steps.map((s) => s.id),
        [`m${t}`, `n${t}`],
      );
    assert.deepEqual(recorder.stats(), { queued: 61, written: 60, failed: 1, dropped: 0 });
    await recorder.close();
  });
});
