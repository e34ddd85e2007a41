// Uploads named in a frame (a message's `files`, an ask reply's) become ChatFiles: only files this session
// uploaded, not taken by another thread, each checked against what the asker accepts. They are then bound to the
// thread, so the sweep of unclaimed uploads leaves them and deleting the thread deletes them.
import { type ChatFile, chatFile, type FileAccess } from "../context/files.ts";
import { mimeAccepted, type StoredFile } from "../data/files.ts";
import { ChatwireError } from "../errors.ts";
import type { ElementView } from "../protocol/views.ts";

/** What an ask accepts; a message's files were checked against `uploadAccept` when they were uploaded. */
export interface FileRules {
  readonly accept?: readonly string[] | undefined;
  readonly maxSizeBytes?: number | undefined;
  readonly maxFiles?: number | undefined;
}

/** Who is claiming: the session the files must have been uploaded for, and the thread they join. */
export interface Claimant {
  readonly sessionId: string;
  readonly threadId: string;
}

/** Checks one stored file against the rules; throws FILE_REFUSED or FILE_TOO_LARGE. */
function check(file: StoredFile, rules: FileRules): void {
  if (rules.accept !== undefined && !mimeAccepted(file.mime, rules.accept)) {
    throw new ChatwireError("FILE_REFUSED", `${file.name} is ${file.mime}, not one of ${rules.accept.join(", ")}`);
  }
  if (rules.maxSizeBytes !== undefined && file.size > rules.maxSizeBytes) {
    throw new ChatwireError("FILE_TOO_LARGE", `${file.name} has more than ${rules.maxSizeBytes} bytes`);
  }
}

/**
 * The ChatFiles of `ids`, claimed for the thread. Throws UNKNOWN_FILE for an id that is not an upload of this
 * session (or is another thread's), FILE_REFUSED / FILE_TOO_LARGE for one the rules refuse: then none is claimed.
 */
export async function claimFiles(
  access: FileAccess | undefined,
  ids: readonly string[],
  who: Claimant,
  rules: FileRules = {},
): Promise<ChatFile[]> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return [];
  if (rules.maxFiles !== undefined && unique.length > rules.maxFiles) {
    throw new ChatwireError("FILE_REFUSED", `at most ${rules.maxFiles} files`);
  }
  if (access === undefined) throw new ChatwireError("UNKNOWN_FILE", "this session takes no files");
  const files = await Promise.all(unique.map((id) => access.store.get(id)));
  const stored = files.map((file, i) => {
    // Another session's upload looks missing: ids reveal nothing.
    const mine = file !== undefined && file.sessionId === who.sessionId;
    if (!mine || (file.threadId !== undefined && file.threadId !== who.threadId)) {
      throw new ChatwireError("UNKNOWN_FILE", `no upload ${unique[i]} in this session`);
    }
    check(file, rules);
    return file;
  });
  await access.store.claim(unique, who.threadId);
  return stored.map((file) => chatFile(access, file));
}

/** The elements that show a message's files (the element id is the file's). */
export const fileElements = (files: readonly ChatFile[]): ElementView[] =>
  files.map((file) => ({ id: file.id, name: file.name, url: file.url, mime: file.mime }));
