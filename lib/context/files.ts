// Files as handlers get them: typed objects over the FileStore (id, name, mime, size, and the bytes as a stream or
// at once), never a path. Uploads reach a handler through a message's `files` or `ctx.askFile`.
import { Readable } from "node:stream";
import type { FileSigner } from "../data/file-signer.ts";
import type { FileStore, StoredFile } from "../data/files.ts";
import type { ChatFile } from "../hooks/payloads.ts";

export type { ChatFile };

/** How long a signed file URL stays valid. A reopened thread gets fresh ones. */
export const FILE_URL_TTL_MS = 24 * 3600 * 1000;

/** Where a session's files live and how their URLs are signed. */
export interface FileAccess {
  readonly store: FileStore;
  readonly signer: FileSigner;
  /** Bytes of an element a handler sends: beyond it, `send` rejects with FILE_TOO_LARGE. */
  readonly maxElementBytes: number;
}

/** A signed URL for a stored file, valid for FILE_URL_TTL_MS. */
export const signedUrl = (access: FileAccess, id: string): string =>
  access.signer.fileUrl(id, Date.now() + FILE_URL_TTL_MS);

/** The ChatFile of a stored file. */
export function chatFile(access: FileAccess, file: StoredFile): ChatFile {
  const { store } = access;
  const url = signedUrl(access, file.id);
  return {
    id: file.id,
    name: file.name,
    mime: file.mime,
    size: file.size,
    url,
    stream: () => Readable.from(store.read(file.id)),
    async bytes() {
      const parts: Uint8Array[] = [];
      for await (const part of store.read(file.id)) parts.push(part);
      return Buffer.concat(parts);
    },
    async text() {
      return Buffer.from(await this.bytes()).toString("utf8");
    },
  };
}

/** The stored files named in `listed` (a stored message's or ask answer's, by id) as ChatFiles again: those still in
 * the store and bound to `threadId`; one gone (deleted, or in a store this node does not share) is left out. */
export async function filesOfThread(
  access: FileAccess | undefined,
  threadId: string | undefined,
  listed: readonly { readonly id: string }[],
): Promise<ChatFile[]> {
  if (access === undefined || listed.length === 0) return [];
  const found = await Promise.all(listed.map(({ id }) => access.store.get(id).catch(() => undefined)));
  return found.flatMap((file) => (file !== undefined && file.threadId === threadId ? [chatFile(access, file)] : []));
}
