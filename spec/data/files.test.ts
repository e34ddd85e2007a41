// The FileStore contract on every implementation: memory, SQLite (a temp file) and a real PostgreSQL, and the two SQL
// ones with the bytes in S3 (a real s3rver).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FILE_CHUNK_BYTES, type FileStore } from "../../lib/data/files.ts";
import type { DataLayer } from "../../lib/data/layer.ts";
import { createMemoryLayer } from "../../lib/data/memory.ts";
import { createPostgresLayer } from "../../lib/data/postgres.ts";
import { createS3FileBytes } from "../../lib/data/s3-files.ts";
import { createSqliteLayer } from "../../lib/data/sqlite.ts";
import { startPostgres, type TestPostgres } from "../support/postgres.ts";
import { startS3, type TestS3 } from "../support/s3.ts";

async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const part of source) parts.push(part);
  return Buffer.concat(parts);
}

function fileStoreContract(make: () => Promise<DataLayer>): void {
  let layer: DataLayer;
  let files: FileStore;
  before(async () => {
    layer = await make();
    await layer.migrate();
    if (layer.files === undefined) throw new Error("the layer has no file store");
    files = layer.files;
  });
  after(() => layer.close());

  test("bytes stored in odd pieces come back whole, and any range of them", async () => {
    const bytes = randomBytes(FILE_CHUNK_BYTES * 2 + 1234);
    const stored = await files.put(
      { id: "f-whole", name: "a.bin", mime: "application/octet-stream", sessionId: "s1", userIdentifier: "ada" },
      pieces(bytes, 10_007),
    );
    assert.equal(stored.size, bytes.length);
    assert.equal(stored.userIdentifier, "ada");
    assert.equal(stored.threadId, undefined);
    assert.deepEqual(await files.get("f-whole"), stored);
    assert.ok((await collect(files.read("f-whole"))).equals(bytes));
    const start = FILE_CHUNK_BYTES - 10;
    const end = FILE_CHUNK_BYTES * 2 + 5;
    assert.ok((await collect(files.read("f-whole", { start, end }))).equals(bytes.subarray(start, end + 1)));
    assert.ok((await collect(files.read("f-whole", { start: 3, end: 3 }))).equals(bytes.subarray(3, 4)));
    assert.equal(await files.sessionBytes("s1"), bytes.length);
    assert.equal(await files.userBytes("ada"), bytes.length);
    assert.equal(await files.userBytes("bob"), 0);
  });

  test("an empty file is a file; a missing one reads as nothing", async () => {
    const stored = await files.put(
      { id: "f-empty", name: "e.txt", mime: "text/plain", sessionId: "s2" },
      pieces(new Uint8Array(0), 1),
    );
    assert.equal(stored.size, 0);
    assert.equal((await collect(files.read("f-empty"))).length, 0);
    assert.equal(await files.get("nope"), undefined);
    assert.equal((await collect(files.read("nope"))).length, 0);
  });

  test("a source that fails half way leaves nothing behind", async () => {
    async function* cut(): AsyncGenerator<Uint8Array> {
      yield randomBytes(FILE_CHUNK_BYTES + 10);
      throw new Error("client went away");
    }
    await assert.rejects(files.put({ id: "f-cut", name: "c.bin", mime: "x/y", sessionId: "s3" }, cut()), /went away/);
    assert.equal(await files.get("f-cut"), undefined);
    assert.equal(await files.sessionBytes("s3"), 0);
    // The id is free again: nothing of the first attempt remains.
    await files.put({ id: "f-cut", name: "c.bin", mime: "x/y", sessionId: "s3" }, pieces(Buffer.from("ok"), 1));
    assert.equal((await collect(files.read("f-cut"))).toString(), "ok");
  });

  test("claimed files survive the sweep and go with their thread; unclaimed old ones are swept", async () => {
    await layer.createThread({ id: "t-files" });
    await files.put(
      { id: "f-claimed", name: "k.txt", mime: "text/plain", sessionId: "s4" },
      pieces(Buffer.from("keep"), 2),
    );
    await files.put(
      { id: "f-loose", name: "l.txt", mime: "text/plain", sessionId: "s4" },
      pieces(Buffer.from("lose"), 2),
    );
    await files.claim(["f-claimed"], "t-files");
    // A claimed file is not taken over by another thread.
    await files.claim(["f-claimed"], "t-other");
    assert.equal((await files.get("f-claimed"))?.threadId, "t-files");
    const swept = await files.sweep(new Date(Date.now() + 60_000).toISOString());
    assert.ok(swept >= 1);
    assert.equal(await files.get("f-loose"), undefined);
    assert.equal((await files.get("f-claimed"))?.name, "k.txt");
    assert.equal(await layer.deleteThread("t-files"), true);
    assert.equal(await files.get("f-claimed"), undefined);
  });

  test("delete removes a file and its bytes", async () => {
    await files.put({ id: "f-del", name: "d.txt", mime: "text/plain", sessionId: "s5" }, pieces(Buffer.from("bye"), 3));
    assert.equal(await files.delete("f-del"), true);
    assert.equal(await files.delete("f-del"), false);
    assert.equal(await files.sessionBytes("s5"), 0);
  });
}

describe("memory file store", () => {
  fileStoreContract(async () => createMemoryLayer());
});

describe("sqlite file store", () => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-files-"));
  after(() => rmSync(dir, { recursive: true, force: true }));
  fileStoreContract(async () => createSqliteLayer({ path: join(dir, "chatwire.db") }));
});

describe("postgres file store", () => {
  let pg: TestPostgres;
  before(async () => {
    pg = await startPostgres();
  });
  after(() => pg.stop());
  fileStoreContract(async () => createPostgresLayer({ connectionString: pg.url }));
});

describe("sqlite file store with the bytes in S3 (s3rver)", () => {
  const dir = mkdtempSync(join(tmpdir(), "chatwire-files-"));
  let s3: TestS3 | undefined;
  after(async () => {
    await s3?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  fileStoreContract(async () => {
    s3 = await startS3();
    return createSqliteLayer({ path: join(dir, "chatwire.db"), fileBytes: await createS3FileBytes(s3.options) });
  });
});

describe("postgres file store with the bytes in S3 (s3rver)", () => {
  let pg: TestPostgres;
  let s3: TestS3 | undefined;
  before(async () => {
    pg = await startPostgres();
  });
  after(async () => {
    await s3?.stop();
    await pg.stop();
  });
  fileStoreContract(async () => {
    s3 = await startS3();
    return createPostgresLayer({ connectionString: pg.url, fileBytes: await createS3FileBytes(s3.options) });
  });
});
