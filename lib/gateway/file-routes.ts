// HTTP for files: `POST /files` takes one multipart upload for the session its ticket names, streamed into the
// FileStore under the size and quota limits (cut off at the limit, with nothing left behind); `GET /files/:id`
// serves a file's bytes to whoever holds its signed URL, with headers that keep a browser from running it.
import { Readable } from "node:stream";
import multipart from "@fastify/multipart";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { nanoid } from "nanoid";
import { FILE_URL_TTL_MS } from "../context/files.ts";
import type { FileSigner, UploadGrant } from "../data/file-signer.ts";
import { type ByteRange, type FileStore, mimeAccepted } from "../data/files.ts";
import { peek, safeFileName, servesInline, sniffMime } from "../data/sniff.ts";
import { ChatwireError, type ErrorCode } from "../errors.ts";
import { shippedSchemas } from "../protocol/schemas.generated.ts";
import { uploadReceived } from "./upload-garbage.ts";
import { ledgerOf, type UploadShare } from "./upload-ledger.ts";

/** The header that carries an upload ticket (from `welcome.uploadToken`). */
export const UPLOAD_TICKET_HEADER = "x-chatwire-upload";

/** Limits of uploads, from the gateway's options. */
export interface UploadLimits {
  readonly maxUploadBytes: number;
  readonly maxUploadBytesPerSession: number;
  readonly maxUploadBytesPerUser: number;
  readonly uploadAccept: readonly string[];
}

/** Options of the file routes. */
export interface FileRoutesOptions {
  readonly store: FileStore;
  readonly signer: FileSigner;
  readonly limits: UploadLimits;
}

const fail = (reply: FastifyReply, status: number, code: ErrorCode, message: string) =>
  reply.code(status).header("connection", "close").send({ code, message });

/** The parts of a multipart body beyond its one file are refused early: a body of many parts is an attack. */
export const MULTIPART_LIMITS = { files: 1, fields: 4, parts: 5, fieldSize: 1024, headerPairs: 64 };

/** Parses a single `bytes=a-b` range against a size; "unsatisfiable" for one outside it, undefined for none. */
function parseRange(header: string | undefined, size: number): ByteRange | "unsatisfiable" | undefined {
  if (header === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null || (match[1] === "" && match[2] === "")) return undefined;
  const [, from = "", to = ""] = match;
  if (from === "") {
    const suffix = Number(to);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  const end = to === "" ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || end < start) return "unsatisfiable";
  return { start, end };
}

/** `Content-Disposition` with the name as ASCII fallback and UTF-8 (RFC 6266 / 5987). */
function disposition(kind: "inline" | "attachment", name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

// Built at build time from lib/protocol/route-schemas.ts: no typebox at start.
const { FileParams, FileQuery } = shippedSchemas.routes;

/** A quota an upload counts against: the ledger's key, the bytes left, and whose it is. */
interface QuotaRoom {
  readonly key: string;
  readonly room: number;
  readonly whose: string;
}

/** The quotas an upload for `grant` counts against: its session's, and its user's if it has one. */
const quotaKeys = (grant: UploadGrant): string[] =>
  grant.userIdentifier === undefined
    ? [`session:${grant.sessionId}`]
    : [`session:${grant.sessionId}`, `user:${grant.userIdentifier}`];

/** The bytes left under the session's quota and the user's, as stored. */
async function quotaRooms(store: FileStore, grant: UploadGrant, limits: UploadLimits): Promise<QuotaRoom[]> {
  const session = limits.maxUploadBytesPerSession - (await store.sessionBytes(grant.sessionId));
  const rooms = [{ key: `session:${grant.sessionId}`, room: session, whose: "this session" }];
  if (grant.userIdentifier === undefined) return rooms;
  const user = limits.maxUploadBytesPerUser - (await store.userBytes(grant.userIdentifier));
  return [...rooms, { key: `user:${grant.userIdentifier}`, room: user, whose: "this user" }];
}

/**
 * Stores the one file of a multipart upload for `grant`'s session, under the size and quota limits, and answers
 * `{ id, name, mime, size, url }` with `status` (Chainlit's client wants 200 where POST /files says 201). The
 * scope that calls it must have @fastify/multipart registered.
 * @example return receiveUpload(request, reply, grant, { store, signer, limits }, 201);
 */
export async function receiveUpload(
  request: FastifyRequest,
  reply: FastifyReply,
  grant: UploadGrant,
  options: FileRoutesOptions,
  status: 200 | 201,
): Promise<FastifyReply> {
  const { store, limits } = options;
  if (!request.isMultipart()) return fail(reply, 400, "BAD_UPLOAD", "send the file as multipart/form-data");
  // Opened before the quotas are read: what other uploads receive from now on counts against this one's room, even
  // what they store while the read runs (counted twice then: the count fails closed).
  const share = ledgerOf(store).open(quotaKeys(grant));
  try {
    const rooms = await quotaRooms(store, grant, limits);
    return await storeUpload(request, reply, grant, options, status, { rooms, share });
  } finally {
    share.close();
  }
}

async function storeUpload(
  request: FastifyRequest,
  reply: FastifyReply,
  grant: UploadGrant,
  options: FileRoutesOptions,
  status: 200 | 201,
  { rooms, share }: { rooms: readonly QuotaRoom[]; share: UploadShare },
): Promise<FastifyReply> {
  const { store, signer, limits } = options;
  const full = rooms.find((quota) => quota.room <= 0);
  if (full !== undefined) return fail(reply, 413, "UPLOAD_QUOTA", `${full.whose} has used its upload quota`);
  const limit = Math.min(limits.maxUploadBytes, ...rooms.map((quota) => quota.room));
  const limitedBy = rooms.find((quota) => quota.room === limit && limit < limits.maxUploadBytes);
  // The quota this upload passes, counting what other uploads of its session or user took since it started.
  const passed = (size: number) => rooms.find((quota) => size + share.othersSince(quota.key) > quota.room);
  let part: Awaited<ReturnType<typeof request.file>>;
  try {
    part = await request.file({ limits: { fileSize: limit } });
  } catch (error) {
    return fail(reply, 400, "BAD_UPLOAD", `not a readable multipart body: ${(error as Error).message}`);
  }
  if (part === undefined) return fail(reply, 400, "BAD_UPLOAD", "the body has no file part");
  const file = part.file;
  let size = 0;
  // Counts while streaming: the first byte past the limit fails the upload, and the store drops what it had.
  async function* bounded(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      size += chunk.length;
      share.add(chunk.length);
      uploadReceived(chunk.length);
      if (size > limit || passed(size) !== undefined) break;
      yield chunk;
    }
    const quota = passed(size) ?? (file.truncated || size > limit ? limitedBy : undefined);
    if (quota !== undefined) {
      throw new ChatwireError("UPLOAD_QUOTA", `this upload would pass the upload quota of ${quota.whose}`);
    }
    if (file.truncated || size > limit) {
      throw new ChatwireError("FILE_TOO_LARGE", `an upload may have ${limits.maxUploadBytes} bytes at most`);
    }
  }
  try {
    const { head, rest } = await peek(bounded(file));
    const mime = await sniffMime(head, part.mimetype);
    if (!mimeAccepted(mime, limits.uploadAccept)) {
      file.resume();
      return fail(reply, 415, "FILE_REFUSED", `files of type ${mime} are not accepted`);
    }
    const stored = await store.put(
      {
        id: nanoid(),
        name: safeFileName(part.filename),
        mime,
        sessionId: grant.sessionId,
        userIdentifier: grant.userIdentifier,
      },
      rest,
    );
    const url = signer.fileUrl(stored.id, Date.now() + FILE_URL_TTL_MS);
    return reply.code(status).send({ id: stored.id, name: stored.name, mime: stored.mime, size: stored.size, url });
  } catch (error) {
    file.resume();
    if (error instanceof ChatwireError) return fail(reply, 413, error.code, error.message);
    request.log.warn({ err: error }, "upload failed");
    return fail(reply, 400, "BAD_UPLOAD", "the upload was cut off or malformed");
  }
}

/**
 * The file routes as a Fastify plugin (registered by the gateway; multipart parsing stays inside it).
 * @example await app.register(fileRoutes, { store, signer, limits });
 */
export async function fileRoutes(app: FastifyInstance, options: FileRoutesOptions): Promise<void> {
  const { store, signer } = options;
  await app.register(multipart, { limits: MULTIPART_LIMITS, throwFileSizeLimit: false });

  app.post("/files", async (request, reply) => {
    const header = request.headers[UPLOAD_TICKET_HEADER];
    const grant = signer.checkTicket(typeof header === "string" ? header : undefined);
    if (grant === undefined)
      return fail(reply, 401, "UNAUTHENTICATED", `a valid ${UPLOAD_TICKET_HEADER} ticket is needed`);
    return receiveUpload(request, reply, grant, options, 201);
  });

  app.get<{ Params: { id: string }; Querystring: { exp?: string; sig?: string } }>(
    "/files/:id",
    { schema: { params: FileParams, querystring: FileQuery } },
    async (request, reply) => {
      const { id } = request.params;
      const { exp, sig } = request.query;
      // A bad signature and a missing file look the same: ids reveal nothing.
      const file = signer.checkUrl(id, exp, sig) ? await store.get(id) : undefined;
      if (file === undefined) return reply.code(404).send({ code: "UNKNOWN_FILE", message: "no such file" });
      const etag = `"${file.id}-${file.size}"`;
      reply
        .header("content-type", file.mime.startsWith("text/") ? `${file.mime}; charset=utf-8` : file.mime)
        .header("x-content-type-options", "nosniff")
        .header("content-security-policy", "default-src 'none'; sandbox")
        .header("content-disposition", disposition(servesInline(file.mime) ? "inline" : "attachment", file.name))
        .header("cache-control", "private, max-age=3600")
        .header("accept-ranges", "bytes")
        .header("etag", etag);
      if (request.headers["if-none-match"] === etag) return reply.code(304).send();
      const range = parseRange(request.headers.range, file.size);
      if (range === "unsatisfiable") {
        return reply.code(416).header("content-range", `bytes */${file.size}`).send();
      }
      if (range === undefined) {
        return reply.header("content-length", file.size).send(Readable.from(store.read(id)));
      }
      return reply
        .code(206)
        .header("content-range", `bytes ${range.start}-${range.end}/${file.size}`)
        .header("content-length", range.end - range.start + 1)
        .send(Readable.from(store.read(id, range)));
    },
  );
}
