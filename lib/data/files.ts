// The FileStore interface: uploaded files and the bytes of elements, stored in chunks so that neither an upload nor a
// download ever holds a whole file in memory. Implementations: sqlite-files.ts, postgres-files.ts, memory-files.ts;
// the SQL ones can keep the bytes elsewhere (FileBytes: s3-files.ts) and only the rows in the database.

/** Bytes are stored in chunks of this size (the last one may be shorter): a Range request reads only its chunks. */
export const FILE_CHUNK_BYTES = 256 * 1024;

/** A file to store. `sessionId` is the session it was uploaded for (or whose handler made it). */
export interface NewFile {
  readonly id: string;
  readonly name: string;
  readonly mime: string;
  readonly sessionId: string;
  /** The uploading user, when the session has one. */
  readonly userIdentifier?: string | undefined;
  /** The thread it belongs to, when known at once (an element's bytes); uploads get it when claimed. */
  readonly threadId?: string | undefined;
}

/** A stored, complete file's metadata. */
export interface StoredFile {
  readonly id: string;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly sessionId: string;
  readonly userIdentifier?: string;
  /** Set once a message or an ask claimed it (or at once for an element's bytes). */
  readonly threadId?: string;
  readonly createdAt: string;
}

/** A byte range, both ends included (as HTTP's Range). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Where files live. Every method may reject like a DataLayer's (the database is down or locked). */
export interface FileStore {
  /** Stores the bytes of `bytes` under `file.id`. If the source throws (a cut-off upload), nothing is left behind and
   * `put` rejects with the source's error. */
  put(file: NewFile, bytes: AsyncIterable<Uint8Array>): Promise<StoredFile>;
  /** The metadata of a complete file; undefined while it is still being written, or if there is none. */
  get(id: string): Promise<StoredFile | undefined>;
  /** The bytes, chunk by chunk (only those of `range`, when given); nothing for a missing file. */
  read(id: string, range?: ByteRange): AsyncIterable<Uint8Array>;
  /** Binds unclaimed files to a thread (files already in a thread are left as they are). */
  claim(ids: readonly string[], threadId: string): Promise<void>;
  delete(id: string): Promise<boolean>;
  /** Deletes every file of a thread (the thread was deleted); returns how many. */
  deleteThreadFiles(threadId: string): Promise<number>;
  /** The bytes stored for a session, complete files and uploads in progress alike: what its quota counts. */
  sessionBytes(sessionId: string): Promise<number>;
  /** The bytes a user uploaded that are still stored (in any session or thread, complete or in progress): what the
   * per-user quota counts. An element's bytes, stored by the app, are not the user's. */
  userBytes(userIdentifier: string): Promise<number>;
  /** Deletes files no thread claimed that were created before `before` (an ISO date); returns how many. Also the
   * remains of uploads a crash interrupted. */
  sweep(before: string): Promise<number>;
}

/**
 * Where a SQL layer's FileStore keeps the bytes when not in its own chunk table (S3: s3-files.ts). The rows (names,
 * owners, sizes, threads) stay in the database, so quotas, ownership and sweeps work the same.
 */
export interface FileBytes {
  /** What it is, for logs and docs: "s3". */
  readonly kind: string;
  /** Writes the bytes of file `id`, calling `stored(n)` once each piece of n bytes is kept (the row's size follows,
   * which quotas count). If the source throws, nothing is kept and `write` rejects with the source's error. */
  write(id: string, bytes: AsyncIterable<Uint8Array>, stored: (n: number) => Promise<void>): Promise<void>;
  /** The bytes of a file of `size` bytes (only those of `range`, when given). */
  read(id: string, size: number, range?: ByteRange): AsyncIterable<Uint8Array>;
  /** Deletes the bytes of these files; ids with no bytes are no error. */
  remove(ids: readonly string[]): Promise<void>;
}

/**
 * Regroups any stream of byte pieces into chunks of `size` bytes (the last one shorter). With `reuse`, every chunk is
 * the same buffer, overwritten for the next one: for a consumer that is done with a chunk before it asks for the
 * next (a driver that copies it into the database), so a large file makes no garbage of its own.
 * @example for await (const chunk of rechunk(request.file, FILE_CHUNK_BYTES, true)) await insert(chunk);
 */
export async function* rechunk(
  source: AsyncIterable<Uint8Array>,
  size = FILE_CHUNK_BYTES,
  reuse = false,
): AsyncGenerator<Buffer> {
  let target = Buffer.allocUnsafe(size);
  let length = 0;
  for await (const piece of source) {
    let offset = 0;
    while (offset < piece.length) {
      const take = Math.min(size - length, piece.length - offset);
      target.set(piece.subarray(offset, offset + take), length);
      length += take;
      offset += take;
      if (length === size) {
        yield target;
        if (!reuse) target = Buffer.allocUnsafe(size);
        length = 0;
      }
    }
  }
  if (length > 0) yield reuse ? target.subarray(0, length) : Buffer.from(target.subarray(0, length));
}

/** The chunk numbers a range covers, and where to cut the first and last of them. */
export function chunkSpan(
  range: ByteRange | undefined,
  size: number,
): { first: number; last: number; range: ByteRange } {
  const whole = { start: 0, end: Math.max(0, size - 1) };
  const r = range ?? whole;
  return { first: Math.floor(r.start / FILE_CHUNK_BYTES), last: Math.floor(r.end / FILE_CHUNK_BYTES), range: r };
}

/** Cuts chunk `n` (of a file read over `range`) to the bytes inside the range. */
export function cutChunk(chunk: Uint8Array, n: number, range: ByteRange): Uint8Array {
  const offset = n * FILE_CHUNK_BYTES;
  const from = Math.max(0, range.start - offset);
  const to = Math.min(chunk.length, range.end - offset + 1);
  return from === 0 && to === chunk.length ? chunk : chunk.subarray(from, to);
}

/**
 * Whether `mime` matches an accept list of MIME types and `type/*` patterns (`*` or `*\/*` accepts anything).
 * Parameters (`; charset=…`) are ignored.
 * @example mimeAccepted("image/png", ["image/*", "application/pdf"]) === true
 */
export function mimeAccepted(mime: string, accept: readonly string[]): boolean {
  const bare = mime.split(";")[0]?.trim().toLowerCase() ?? "";
  return accept.some((pattern) => {
    const p = pattern.trim().toLowerCase();
    if (p === "*" || p === "*/*") return true;
    if (p.endsWith("/*")) return bare.startsWith(p.slice(0, -1));
    return p === bare;
  });
}
