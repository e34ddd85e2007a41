// Signed capabilities for files: an upload ticket (who may upload, for which session) and a file URL (who may
// download). Both are HMAC-SHA-256 over their fields with the gateway's file secret, so any node that shares the
// secret checks them without a lookup, and a file id alone opens nothing.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** What an upload ticket grants: uploads for this session (and its user), until `expiresAt` (ms since the epoch). */
export interface UploadGrant {
  readonly sessionId: string;
  readonly userIdentifier?: string | undefined;
  readonly expiresAt: number;
}

/** Signs and checks file capabilities. */
export interface FileSigner {
  /** A ticket for `POST /files` (the `x-chatwire-upload` header). */
  uploadTicket(grant: UploadGrant): string;
  /** The grant of a valid, unexpired ticket; undefined otherwise. */
  checkTicket(ticket: string | undefined, now?: number): UploadGrant | undefined;
  /** The path of a file, signed until `expiresAt` (ms since the epoch): `${base}/files/<id>?exp=…&sig=…`. */
  fileUrl(id: string, expiresAt: number): string;
  /** Whether `sig` signs `id` until `exp`, and `exp` has not passed. */
  checkUrl(id: string, exp: string | undefined, sig: string | undefined, now?: number): boolean;
}

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * A signer with `secret` (any length; derived into a key of its own), serving files under `base` ("" or a prefix).
 * Without a secret, a random one: URLs and tickets then hold only in this process.
 * @example const signer = createFileSigner(process.env.CHATWIRE_FILE_SECRET); signer.fileUrl(id, Date.now() + 3600_000);
 */
export function createFileSigner(secret: string | undefined, base = ""): FileSigner {
  const key = createHmac("sha256", secret ?? randomBytes(32))
    .update("chatwire files v1")
    .digest();
  const mac = (text: string) => createHmac("sha256", key).update(text).digest("base64url");
  return {
    uploadTicket(grant) {
      const body = Buffer.from(
        JSON.stringify([grant.sessionId, grant.userIdentifier ?? null, grant.expiresAt]),
      ).toString("base64url");
      return `${body}.${mac(`upload:${body}`)}`;
    },
    checkTicket(ticket, now = Date.now()) {
      if (ticket === undefined || ticket.length > 2048) return undefined;
      const [body, sig, extra] = ticket.split(".");
      if (body === undefined || sig === undefined || extra !== undefined || !sameText(sig, mac(`upload:${body}`))) {
        return undefined;
      }
      const [sessionId, userIdentifier, expiresAt] = JSON.parse(Buffer.from(body, "base64url").toString()) as [
        string,
        string | null,
        number,
      ];
      if (expiresAt < now) return undefined;
      return { sessionId, expiresAt, ...(userIdentifier === null ? {} : { userIdentifier }) };
    },
    fileUrl: (id, expiresAt) =>
      `${base}/files/${encodeURIComponent(id)}?exp=${expiresAt}&sig=${mac(`file:${id}:${expiresAt}`)}`,
    checkUrl(id, exp, sig, now = Date.now()) {
      if (exp === undefined || sig === undefined || !/^\d{1,16}$/.test(exp) || Number(exp) < now) return false;
      return sameText(sig, mac(`file:${id}:${exp}`));
    },
  };
}

/** The id in a chatwire file URL (`…/files/<id>?exp=…&sig=…`), or undefined for any other URL. */
const fileIdOf = (url: string | undefined): string | undefined => {
  const match = url === undefined ? null : /\/files\/([^/?#]+)\?exp=\d+&sig=[\w-]+$/.exec(url);
  return match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
};

/**
 * A stored thread with fresh signed URLs for chatwire's own files: stored URLs expire, a reopened thread's must not.
 * @example const shown = refreshFileUrls(await layer.loadThread(id), signer, Date.now() + 24 * 3600_000);
 */
export function refreshFileUrls<
  T extends {
    readonly steps: readonly object[];
    readonly elements: readonly { readonly url?: string | undefined }[];
  },
>(thread: T, signer: FileSigner, expiresAt: number): T {
  const fresh = <E extends { readonly url?: string | undefined }>(element: E): E => {
    const id = fileIdOf(element.url);
    return id === undefined ? element : { ...element, url: signer.fileUrl(id, expiresAt) };
  };
  const steps = thread.steps.map((step) => {
    const elements = (step as { elements?: readonly { url?: string }[] }).elements;
    return elements === undefined ? step : { ...step, elements: elements.map(fresh) };
  });
  return { ...thread, steps, elements: thread.elements.map(fresh) };
}
