// The files table's rows (SQLite and PostgreSQL share one layout) and their mapping to StoredFile.
import type { StoredFile } from "./files.ts";

export interface FileRow {
  id: string;
  name: string;
  mime: string;
  size: number | string;
  session_id: string;
  user_identifier: string | null;
  thread_id: string | null;
  created_at: string;
}

export const toFile = (row: FileRow): StoredFile => ({
  id: row.id,
  name: row.name,
  mime: row.mime,
  size: Number(row.size),
  sessionId: row.session_id,
  ...(row.user_identifier === null ? {} : { userIdentifier: row.user_identifier }),
  ...(row.thread_id === null ? {} : { threadId: row.thread_id }),
  createdAt: row.created_at,
});
