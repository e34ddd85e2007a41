// kill -9 while writing: everything recorded before a resolved flush() is in the SQLite file afterwards, and what
// came after it is a clean prefix (whole transactions, in order), never a torn write.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { createSqliteLayer } from "../../lib/data/sqlite.ts";
import { assertFlushedKept, killWriterAfterFlush } from "../support/crash.ts";

test("kill -9 after flush() loses nothing that was flushed", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-crash-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "chatwire.db");
  await killWriterAfterFlush(t, path, 15_000);

  const layer = createSqliteLayer({ path });
  t.after(() => layer.close());
  await layer.migrate();
  assertFlushedKept(await layer.loadThread("t1"));
});
