// The SQLite FileStore: files in the same database file, as 256 KiB chunks. Each chunk is its own short write, so
// an upload never holds the write lock for long nor a whole file in memory. With FileBytes (S3), only the rows.
import { type FileRow, toFile } from "./file-rows.ts";
import { chunkSpan, cutChunk, FILE_CHUNK_BYTES, type FileBytes, type FileStore, rechunk } from "./files.ts";
import type { StatementCache } from "./sqlite-writes.ts";

type Sql = StatementCache;
type Free = <T>(run: () => T) => Promise<T>;

/** Every this many chunks (4 MiB) a file's reader or writer gives SQLite's page cache back: a file's pages are read
 * or written once, and would otherwise fill the connection's cache (16 MiB with better-sqlite3) with bytes nobody
 * reads again, pushing out the pages of threads. */
const CHUNKS_PER_CACHE_RELEASE = 16;

/** The FileStore of a SQLite layer: `sql` prepares on its connection, `free` waits out another process's lock;
 * with `external`, the bytes live there and only the rows here. */
export function sqliteFiles(sql: Sql, free: Free, external?: FileBytes): FileStore {
  const get = (id: string) => {
    const row = sql("SELECT * FROM chatwire_files WHERE id = ? AND complete = 1").get(id) as FileRow | undefined;
    return row === undefined ? undefined : toFile(row);
  };
  const release = (n: number) => {
    if (n % CHUNKS_PER_CACHE_RELEASE === CHUNKS_PER_CACHE_RELEASE - 1) sql("PRAGMA shrink_memory").run();
  };
  /** Deletes the files `where` selects, their external bytes first (a crash between leaves rows to sweep again,
   * never bytes without a row). */
  const removeWhere = async (where: string, value: string) => {
    if (external !== undefined) {
      const rows = await free(() => sql(`SELECT id FROM chatwire_files WHERE ${where}`).all(value) as { id: string }[]);
      await external.remove(rows.map((row) => row.id));
    }
    return free(() => sql(`DELETE FROM chatwire_files WHERE ${where}`).run(value).changes);
  };
  const grow = (id: string) => (n: number) =>
    free(() => {
      sql("UPDATE chatwire_files SET size = size + ? WHERE id = ?").run(n, id);
    });
  const writeChunks = async (id: string, bytes: AsyncIterable<Uint8Array>) => {
    let n = 0;
    for await (const chunk of rechunk(bytes, FILE_CHUNK_BYTES, true)) {
      const index = n++;
      await free(() => {
        sql("INSERT INTO chatwire_file_chunks (file_id, n, data) VALUES (?, ?, ?)").run(id, index, chunk);
        sql("UPDATE chatwire_files SET size = size + ? WHERE id = ?").run(chunk.length, id);
        release(index);
      });
    }
  };
  return {
    async put(file, bytes) {
      const createdAt = new Date().toISOString();
      await free(() =>
        sql(`INSERT INTO chatwire_files (id, name, mime, size, complete, session_id, user_identifier, thread_id,
          created_at) VALUES (?, ?, ?, 0, 0, ?, ?, ?, ?)`).run(
          file.id,
          file.name,
          file.mime,
          file.sessionId,
          file.userIdentifier ?? null,
          file.threadId ?? null,
          createdAt,
        ),
      );
      try {
        await (external === undefined ? writeChunks(file.id, bytes) : external.write(file.id, bytes, grow(file.id)));
        await free(() => sql("UPDATE chatwire_files SET complete = 1 WHERE id = ?").run(file.id));
      } catch (error) {
        await removeWhere("id = ?", file.id).catch(() => {});
        throw error;
      }
      const stored = await free(() => get(file.id));
      if (stored === undefined) throw new Error(`file ${file.id} was deleted while it was stored`);
      return stored;
    },
    get: (id) => free(() => get(id)),
    async *read(id, range) {
      const file = await free(() => get(id));
      if (file === undefined || file.size === 0) return;
      if (external !== undefined) {
        yield* external.read(id, file.size, range);
        return;
      }
      const span = chunkSpan(range, file.size);
      for (let n = span.first; n <= span.last; n++) {
        const row = await free(
          () =>
            sql("SELECT data FROM chatwire_file_chunks WHERE file_id = ? AND n = ?").get(id, n) as
              | { data: Buffer }
              | undefined,
        );
        if (row === undefined) return;
        release(n - span.first);
        yield cutChunk(row.data, n, span.range);
      }
    },
    claim: (ids, threadId) =>
      free(() => {
        for (const id of ids) {
          sql("UPDATE chatwire_files SET thread_id = ? WHERE id = ? AND thread_id IS NULL").run(threadId, id);
        }
      }),
    delete: async (id) => (await removeWhere("id = ?", id)) > 0,
    deleteThreadFiles: (threadId) => removeWhere("thread_id = ?", threadId),
    sessionBytes: (sessionId) =>
      free(
        () =>
          (
            sql("SELECT COALESCE(SUM(size), 0) AS total FROM chatwire_files WHERE session_id = ?").get(sessionId) as {
              total: number;
            }
          ).total,
      ),
    userBytes: (userIdentifier) =>
      free(
        () =>
          (
            sql("SELECT COALESCE(SUM(size), 0) AS total FROM chatwire_files WHERE user_identifier = ?").get(
              userIdentifier,
            ) as { total: number }
          ).total,
      ),
    sweep: (before) => removeWhere("thread_id IS NULL AND created_at < ?", before),
  };
}
