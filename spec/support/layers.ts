// The same cases on both SQL data layers: a `describe` for a SQLite file in a temp dir and one for a throwaway
// PostgreSQL cluster, each layer migrated before its cases and closed (with its file or cluster) after them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe } from "node:test";
import { createS3FileBytes, createSqliteLayer, type DataLayer, type FileBytes } from "chatwire";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { startPostgres, type TestPostgres } from "./postgres.ts";
import { startS3, type TestS3 } from "./s3.ts";

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

/**
 * Declares `cases` on each SQL layer with the files' bytes in S3 (a real s3rver): "<title> on SQLite with S3" and
 * "<title> on PostgreSQL with S3".
 * @example onS3Layers("files with messages", (layer) => test("…", async (t) => startGateway(t, { data: layer() })));
 */
export function onS3Layers(title: string, cases: (layer: () => DataLayer) => void): void {
  const withS3 = (
    kind: string,
    open: (fileBytes: FileBytes) => Promise<{ layer: DataLayer; close(): Promise<void> }>,
  ) =>
    describe(`${title} on ${kind} with S3`, () => {
      let s3: TestS3 | undefined;
      let opened: { layer: DataLayer; close(): Promise<void> } | undefined;
      before(async () => {
        s3 = await startS3();
        opened = await open(await createS3FileBytes(s3.options));
        await opened.layer.migrate();
      });
      after(async () => {
        await opened?.close();
        await s3?.stop();
      });
      cases(() => migrated(opened?.layer));
    });
  withS3("SQLite", async (fileBytes) => {
    const dir = mkdtempSync(join(tmpdir(), "chatwire-layer-"));
    const layer = createSqliteLayer({ path: join(dir, "chatwire.db"), fileBytes });
    const close = async () => {
      await layer.close();
      rmSync(dir, { recursive: true, force: true });
    };
    return { layer, close };
  });
  withS3("PostgreSQL", async (fileBytes) => {
    const pg = await startPostgres();
    const layer = createPostgresLayer({ connectionString: pg.url, fileBytes });
    const close = async () => {
      await layer.close();
      await pg.stop();
    };
    return { layer, close };
  });
}

function migrated(layer: DataLayer | undefined): DataLayer {
  if (layer === undefined) throw new Error("the layer is made before the cases run: call layer() inside a test");
  return layer;
}
