// Runs the DataLayer contract on every implementation: memory, SQLite (a temp file) and a real PostgreSQL.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { createMemoryLayer } from "../../lib/data/memory.ts";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { createSqliteLayer } from "../../lib/data/sqlite.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { dataLayerContract, message } from "./contract.ts";

describe("memory layer", () => {
  dataLayerContract(async () => createMemoryLayer());
});

describe("sqlite layer", () => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-sqlite-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  let n = 0;
  dataLayerContract(async () => createSqliteLayer({ path: join(dir, `case-${++n}`, "chatwire.db") }));

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
  let server: TestPostgres | undefined;
  let admin: pg.Client | undefined;
  before(async () => {
    server = await startPostgres();
    admin = new pg.Client(server.url);
    await admin.connect();
  });
  after(async () => {
    await admin?.end();
    await server?.stop();
  });
  let n = 0;
  // Each case gets its own database, so cases cannot see each other's rows.
  const freshDatabase = async (): Promise<string> => {
    if (server === undefined || admin === undefined) throw new Error("postgres did not start");
    const name = `contract_${++n}`;
    await admin.query(`CREATE DATABASE ${name}`);
    return server.url.replace(/\/postgres$/, `/${name}`);
  };
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
        [1],
      );
      await nodes[0]?.createThread({ id: "shared" });
      assert.equal((await nodes[1]?.getThread("shared"))?.id, "shared");
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  });
});
