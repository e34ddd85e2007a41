// Runs the DataLayer contract on every implementation: memory, SQLite (a temp file) and a real PostgreSQL.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import Database from "better-sqlite3";
import pg from "pg";
import { createMemoryLayer } from "../../lib/data/memory.ts";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { postgresMigrations, sqliteMigrations } from "../../lib/data/schema.ts";
import { createSqliteLayer } from "../../lib/data/sqlite.ts";
import { postgresDatabases } from "../support/postgres.ts";
import { dataLayerContract, message } from "./contract.ts";

/** Rows a version-1 database could hold: one message rated twice, by two sessions that each made their own id. */
const V1_ROWS = `
INSERT INTO chatwire_threads (id, created_at, tags, metadata) VALUES ('t1', '2024-05-01T10:00:00.000Z', '[]', '{}');
INSERT INTO chatwire_steps (id, thread_id, kind, name, type, output, start_at)
  VALUES ('m1', 't1', 'message', 'Assistant', 'assistant', 'answer', '2024-05-01T10:00:00.000Z');
INSERT INTO chatwire_feedbacks (id, for_id, value, comment) VALUES ('old', 'm1', 1, NULL);
INSERT INTO chatwire_feedbacks (id, for_id, value, comment) VALUES ('new', 'm1', 0, 'changed my mind');
`;

describe("memory layer", () => {
  dataLayerContract(async () => createMemoryLayer());
});

describe("sqlite layer", () => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-sqlite-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  dataLayerContract(async () => createSqliteLayer({ path: join(dir, `case-${++n}`, "chatwire.db") }));

  test("a version-1 file with two feedback rows for one message migrates to the latest one only", async () => {
    const path = join(dir, "v1.db");
    const v1 = new Database(path);
    v1.exec(`CREATE TABLE chatwire_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL);
      ${sqliteMigrations[0]?.sql ?? ""}
      INSERT INTO chatwire_migrations VALUES (1, 'tables', '2024-05-01T10:00:00.000Z');
      ${V1_ROWS}`);
    v1.close();
    const layer = createSqliteLayer({ path });
    await layer.migrate();
    const thread = await layer.loadThread("t1");
    await layer.close();
    assert.deepEqual(thread?.steps[0]?.feedback, { id: "new", forId: "m1", value: 0, comment: "changed my mind" });
    const after = new Database(path, { readonly: true });
    const rows = after.prepare("SELECT id FROM chatwire_feedbacks").all();
    const versions = after.prepare("SELECT version FROM chatwire_migrations ORDER BY version").all();
    after.close();
    assert.deepEqual(rows, [{ id: "new" }]);
    assert.deepEqual(
      versions.map((row) => (row as { version: number }).version),
      sqliteMigrations.map((m) => m.version),
    );
  });

  test("the upload quota's sum of a user's file sizes reads the files-by-user index, not every file", async () => {
    const path = join(dir, "quota-plan.db");
    const layer = createSqliteLayer({ path });
    await layer.migrate();
    await layer.close();
    const db = new Database(path, { readonly: true });
    const plan = db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT COALESCE(SUM(size), 0) AS total FROM chatwire_files WHERE user_identifier = ?",
      )
      .all("ada") as { detail: string }[];
    db.close();
    assert.match(plan.map((row) => row.detail).join("\n"), /USING INDEX chatwire_files_by_user/);
  });

  test("what was written is there after closing and reopening the file", async () => {
    const path = join(dir, "reopen.db");
    const first = createSqliteLayer({ path });
    await first.migrate();
    await first.createThread({ id: "t1", name: "kept" });
    await first.apply([{ kind: "message", threadId: "t1", message: message("m1", "still here") }]);
    await first.close();
    const second = createSqliteLayer({ path });
    await second.migrate();
    const thread = await second.loadThread("t1");
    await second.close();
    assert.equal(thread?.name, "kept");
    assert.deepEqual(
      thread?.steps.map((s) => s.id),
      ["m1"],
    );
  });
});

describe("postgres layer", () => {
  // Each case gets its own database, so cases cannot see each other's rows.
  const freshDatabase = postgresDatabases("contract");
  dataLayerContract(async () => createPostgresLayer({ connectionString: await freshDatabase() }));

  test("two nodes migrating the same database at once apply each version exactly once", async () => {
    const url = await freshDatabase();
    const nodes = [1, 2, 3].map(() => createPostgresLayer({ connectionString: url }));
    try {
      await Promise.all(nodes.map((node) => node.migrate()));
      const client = new pg.Client(url);
      await client.connect();
      const { rows } = await client.query("SELECT version FROM chatwire_migrations ORDER BY version");
      await client.end();
      assert.deepEqual(
        rows.map((row) => row.version),
        postgresMigrations.map((m) => m.version),
      );
      await nodes[0]?.createThread({ id: "shared" });
      assert.equal((await nodes[1]?.getThread("shared"))?.id, "shared");
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  });

  test("a version-1 database with two feedback rows for one message migrates to the latest one only", async () => {
    const url = await freshDatabase();
    const v1 = new pg.Client(url);
    await v1.connect();
    await v1.query(`CREATE TABLE chatwire_migrations
      (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now());
      ${postgresMigrations[0]?.sql ?? ""}
      INSERT INTO chatwire_migrations (version, name) VALUES (1, 'tables');
      ${V1_ROWS}`);
    const layer = createPostgresLayer({ connectionString: url });
    try {
      await layer.migrate();
      const thread = await layer.loadThread("t1");
      assert.deepEqual(thread?.steps[0]?.feedback, { id: "new", forId: "m1", value: 0, comment: "changed my mind" });
      const { rows } = await v1.query("SELECT id FROM chatwire_feedbacks");
      assert.deepEqual(rows, [{ id: "new" }]);
    } finally {
      await v1.end();
      await layer.close();
    }
  });
});
