// kill -9 while writing to PostgreSQL, whose batches are one SQL text each (lib/data/postgres-batch.ts): everything
// recorded before a resolved flush() is in the database afterwards, and what came after it is a clean prefix (whole
// batches, in order). The server runs durable, as in production; the writer process is the one killed.
import { test } from "node:test";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { assertFlushedKept, killWriterAfterFlush } from "../support/crash.ts";
import { startPostgres } from "../support/postgres.ts";

test("kill -9 after flush() loses nothing that was flushed (PostgreSQL)", async (t) => {
  const server = await startPostgres(60_000, { durable: true });
  t.after(() => server.stop());
  await killWriterAfterFlush(t, server.url, 30_000);

  const layer = createPostgresLayer({ connectionString: server.url });
  t.after(() => layer.close());
  assertFlushedKept(await layer.loadThread("t1"));
});
