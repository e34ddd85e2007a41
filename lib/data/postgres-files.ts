// The PostgreSQL FileStore: files in the shared database as 256 KiB bytea chunks, so every node sharing it serves
// every file, and N nodes need nothing else. With FileBytes (S3), only the rows.
import { type FileRow, toFile } from "./file-rows.ts";
import { chunkSpan, cutChunk, FILE_CHUNK_BYTES, type FileBytes, type FileStore, rechunk } from "./files.ts";
import type { Queryable } from "./postgres-writes.ts";

type Retried = <T>(run: () => Promise<T>) => Promise<T>;

/** The FileStore of a PostgreSQL layer: `retried` retries a lost connection until the layer's timeout; with
 * `external`, the bytes live there and only the rows here. */
export function postgresFiles(pool: Queryable, retried: Retried, external?: FileBytes): FileStore {
  const get = async (id: string) => {
    const { rows } = await pool.query<FileRow>("SELECT * FROM chatwire_files WHERE id = $1 AND complete = 1", [id]);
    return rows[0] === undefined ? undefined : toFile(rows[0]);
  };
  /** Deletes the files `where` selects, their external bytes first (a crash between leaves rows to sweep again,
   * never bytes without a row). */
  const removeWhere = async (where: string, value: string) => {
    if (external !== undefined) {
      const { rows } = await retried(() =>
        pool.query<{ id: string }>(`SELECT id FROM chatwire_files WHERE ${where}`, [value]),
      );
      await external.remove(rows.map((row) => row.id));
    }
    return retried(async () => (await pool.query(`DELETE FROM chatwire_files WHERE ${where}`, [value])).rowCount ?? 0);
  };
  const grow = (id: string) => async (n: number) => {
    await retried(() => pool.query("UPDATE chatwire_files SET size = size + $1 WHERE id = $2", [n, id]));
  };
  const writeChunks = async (id: string, bytes: AsyncIterable<Uint8Array>) => {
    let n = 0;
    for await (const chunk of rechunk(bytes, FILE_CHUNK_BYTES, true)) {
      const index = n++;
      // One statement: the chunk and the running size go in together.
      await retried(() =>
        pool.query(
          `WITH chunk AS (INSERT INTO chatwire_file_chunks (file_id, n, data) VALUES ($1, $2, $3))
           UPDATE chatwire_files SET size = size + $4 WHERE id = $1`,
          [id, index, chunk, chunk.length],
        ),
      );
    }
  };
  return {
    async put(file, bytes) {
      await retried(() =>
        pool.query(
          `INSERT INTO chatwire_files (id, name, mime, size, complete, session_id, user_identifier, thread_id,
           created_at) VALUES ($1, $2, $3, 0, 0, $4, $5, $6, $7)`,
          [
            file.id,
            file.name,
            file.mime,
            file.sessionId,
            file.userIdentifier ?? null,
            file.threadId ?? null,
            new Date().toISOString(),
          ],
        ),
      );
      try {
        await (external === undefined ? writeChunks(file.id, bytes) : external.write(file.id, bytes, grow(file.id)));
        await retried(() => pool.query("UPDATE chatwire_files SET complete = 1 WHERE id = $1", [file.id]));
      } catch (error) {
        await removeWhere("id = $1", file.id).catch(() => {});
        throw error;
      }
      const stored = await retried(() => get(file.id));
      if (stored === undefined) throw new Error(`file ${file.id} was deleted while it was stored`);
      return stored;
    },
    get: (id) => retried(() => get(id)),
    async *read(id, range) {
      const file = await retried(() => get(id));
      if (file === undefined || file.size === 0) return;
      if (external !== undefined) {
        yield* external.read(id, file.size, range);
        return;
      }
      const span = chunkSpan(range, file.size);
      for (let n = span.first; n <= span.last; n++) {
        const { rows } = await retried(() =>
          pool.query<{ data: Buffer }>("SELECT data FROM chatwire_file_chunks WHERE file_id = $1 AND n = $2", [id, n]),
        );
        if (rows[0] === undefined) return;
        yield cutChunk(rows[0].data, n, span.range);
      }
    },
    claim: async (ids, threadId) => {
      await retried(() =>
        pool.query("UPDATE chatwire_files SET thread_id = $1 WHERE id = ANY($2::text[]) AND thread_id IS NULL", [
          threadId,
          [...ids],
        ]),
      );
    },
    delete: async (id) => (await removeWhere("id = $1", id)) > 0,
    deleteThreadFiles: (threadId) => removeWhere("thread_id = $1", threadId),
    sessionBytes: (sessionId) =>
      retried(async () => {
        const { rows } = await pool.query<{ total: string }>(
          "SELECT COALESCE(SUM(size), 0) AS total FROM chatwire_files WHERE session_id = $1",
          [sessionId],
        );
        return Number(rows[0]?.total ?? 0);
      }),
    userBytes: (userIdentifier) =>
      retried(async () => {
        const { rows } = await pool.query<{ total: string }>(
          "SELECT COALESCE(SUM(size), 0) AS total FROM chatwire_files WHERE user_identifier = $1",
          [userIdentifier],
        );
        return Number(rows[0]?.total ?? 0);
      }),
    sweep: (before) => removeWhere("thread_id IS NULL AND created_at < $1", before),
  };
}
