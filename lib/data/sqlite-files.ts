// The SQLite FileStore: files in the same database file, as 256 KiB chunks. Each chunk is its own short write, so
// an upload never holds the write lock for long nor a whole file in memory.
import { type FileRow, toFile } from "./file-rows.ts";
import { chunkSpan, cutChunk, FILE_CHUNK_BYTES, type FileStore, rechunk } from "./files.ts";
import type { StatementCache } from "./sqlite-writes.ts";

type Sql = StatementCache;

/** Every this many chunks (4 MiB) a file's reader or writer gives SQLite's page cache back: a file's pages are read
 * or written once, and would otherwise fill the connection's cache (16 MiB with better-sqlite3) with bytes nobody
 * reads again, pushing out the pages of threads. */
const CHUNKS_PER_CACHE_RELEASE = 16;
type Free = <T>(run: () => T) => Promise<T>;

/** The FileStore of a SQLite layer: `sql` prepares on its connection, `free` waits out another process's lock. */
export function sqliteFiles(sql: Sql, free: Free): FileStore {
  const get = (id: string) => {
    const row = sql("SELECT * FROM chatwire_files WHERE id = ? AND complete = 1").get(id) as FileRow | undefined;
    return row === undefined ? undefined : toFile(row);
  };
  const release = (n: number) => {
    if (n % CHUNKS_PER_CACHE_RELEASE === CHUNKS_PER_CACHE_RELEASE - 1) sql("PRAGMA shrink_memory").run();
  };
  const remove = (id: string) => sql("DELETE FROM chatwire_files WHERE id = ?").run(id).changes > 0;
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
        let n = 0;
        for await (const chunk of rechunk(bytes, FILE_CHUNK_BYTES, true)) {
          const index = n++;
          await free(() => {
            sql("INSERT INTO chatwire_file_chunks (file_id, n, data) VALUES (?, ?, ?)").run(file.id, index, chunk);
            sql("UPDATE chatwire_files SET size = size + ? WHERE id = ?").run(chunk.length, file.id);
            release(index);
          });
        }
        await free(() => sql("UPDATE chatwire_files SET complete = 1 WHERE id = ?").run(file.id));
      } catch (error) {
        await free(() => remove(file.id)).catch(() => {});
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
    delete: (id) => free(() => remove(id)),
    deleteThreadFiles: (threadId) =>
      free(() => sql("DELETE FROM chatwire_files WHERE thread_id = ?").run(threadId).changes),
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
    sweep: (before) =>
      free(() => sql("DELETE FROM chatwire_files WHERE thread_id IS NULL AND created_at < ?").run(before).changes),
  };
}
