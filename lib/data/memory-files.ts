// An in-memory FileStore: for the memory layer, and for a gateway without persistence (uploads then live as long
// as the process, bounded by the upload quotas and swept like the others).
import { chunkSpan, cutChunk, type FileStore, rechunk, type StoredFile } from "./files.ts";

interface Entry {
  file: StoredFile;
  chunks: Buffer[];
  complete: boolean;
}

/**
 * Creates an empty in-memory file store.
 * @example const files = createMemoryFileStore(); await files.put({ id, name: "a.txt", mime: "text/plain", sessionId }, [bytes]);
 */
export function createMemoryFileStore(): FileStore {
  const entries = new Map<string, Entry>();
  const complete = (id: string) => {
    const entry = entries.get(id);
    return entry?.complete ? entry : undefined;
  };
  return {
    async put(file, bytes) {
      const entry: Entry = {
        file: {
          id: file.id,
          name: file.name,
          mime: file.mime,
          size: 0,
          sessionId: file.sessionId,
          ...(file.userIdentifier === undefined ? {} : { userIdentifier: file.userIdentifier }),
          ...(file.threadId === undefined ? {} : { threadId: file.threadId }),
          createdAt: new Date().toISOString(),
        },
        chunks: [],
        complete: false,
      };
      if (entries.has(file.id)) throw new Error(`file ${file.id} exists`);
      entries.set(file.id, entry);
      try {
        for await (const chunk of rechunk(bytes)) {
          entry.chunks.push(chunk);
          entry.file = { ...entry.file, size: entry.file.size + chunk.length };
        }
      } catch (error) {
        entries.delete(file.id);
        throw error;
      }
      entry.complete = true;
      return entry.file;
    },
    get: async (id) => complete(id)?.file,
    async *read(id, range) {
      const entry = complete(id);
      if (entry === undefined || entry.file.size === 0) return;
      const span = chunkSpan(range, entry.file.size);
      for (let n = span.first; n <= span.last; n++) {
        const chunk = entry.chunks[n];
        if (chunk === undefined) return;
        yield cutChunk(chunk, n, span.range);
      }
    },
    claim: async (ids, threadId) => {
      for (const id of ids) {
        const entry = entries.get(id);
        if (entry !== undefined && entry.file.threadId === undefined) entry.file = { ...entry.file, threadId };
      }
    },
    delete: async (id) => entries.delete(id),
    deleteThreadFiles: async (threadId) => {
      let removed = 0;
      for (const [id, e] of entries) if (e.file.threadId === threadId && entries.delete(id)) removed++;
      return removed;
    },
    sessionBytes: async (sessionId) =>
      [...entries.values()].reduce((sum, e) => sum + (e.file.sessionId === sessionId ? e.file.size : 0), 0),
    userBytes: async (userIdentifier) =>
      [...entries.values()].reduce((sum, e) => sum + (e.file.userIdentifier === userIdentifier ? e.file.size : 0), 0),
    sweep: async (before) => {
      let removed = 0;
      for (const [id, e] of entries) {
        if (e.file.threadId === undefined && e.file.createdAt < before) {
          entries.delete(id);
          removed++;
        }
      }
      return removed;
    },
  };
}
