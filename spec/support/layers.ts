// The same cases on both SQL data layers: a `describe` for a SQLite file in a temp dir and one for a throwaway
// PostgreSQL cluster, each layer migrated before its cases and closed (with its file or cluster) after them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { createSqliteLayer, type DataLayer } from "chatwire";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { startPostgres, type TestPostgres } from "./postgres.ts";

/**
 * Declares `cases` twice: "<title> on SQLite" and "<title> on PostgreSQL". `layer()` is the migrated layer, valid
 * inside the cases' tests.
 * @example onSqlLayers("favorites", (layer) => test("…", async (t) => startGateway(t, { dataLayer: layer() })));
 */
export function onSqlLayers(title: string, cases: (layer: () => DataLayer) => void): void {
  describe(`${title} on SQLite`, () => {
    let dir: string | undefined;
    let layer: DataLayer | undefined;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "chatwire-layer-"));
      layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
      await layer.migrate();
    });
    after(async () => {
      await layer?.close();
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    });
    cases(() => migrated(layer));
  });

  describe(`${title} on PostgreSQL`, () => {
    let pg: TestPostgres | undefined;
    let layer: DataLayer | undefined;
    before(async () => {
      pg = await startPostgres();
      layer = createPostgresLayer({ connectionString: pg.url });
      await layer.migrate();
    });
    after(async () => {
      await layer?.close();
      await pg?.stop();
    });
    cases(() => migrated(layer));
  });
}

function migrated(layer: DataLayer | undefined): DataLayer {
  if (layer === undefined) throw new Error("the layer is made before the cases run: call layer() inside a test");
  return layer;
}
