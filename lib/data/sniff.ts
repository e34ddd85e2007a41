// What an upload really is: its type from its first bytes (file-type's magic numbers), not from what the client
// declared. A declared type is believed only for text, and only when the bytes look like text.
// file-type (30-odd modules) loads at the first upload, not at start.

/** Bytes file-type needs to recognise every format it knows. */
export const SNIFF_BYTES = 4100;

/** Declared types taken at their word when the bytes are text (file-type has no magic number for text). */
const TEXT_TYPES = new Set([
  "text/plain",
  "text/csv",
  "text/markdown",
  "text/html",
  "text/xml",
  "application/json",
  "application/xml",
  "image/svg+xml",
]);

const looksLikeText = (head: Uint8Array): boolean => !head.includes(0);

/**
 * The MIME type of a file from its first bytes and the declared type: the sniffed type if file-type knows the
 * bytes; else the declared one if it is a text type and the bytes have no NUL; else application/octet-stream.
 * @example await sniffMime(pngBytes, "text/plain") === "image/png"
 */
export async function sniffMime(head: Uint8Array, declared: string | undefined): Promise<string> {
  const found = head.length === 0 ? undefined : await (await import("file-type")).fileTypeFromBuffer(head);
  if (found !== undefined) return found.mime;
  const bare = declared?.split(";")[0]?.trim().toLowerCase();
  if (bare !== undefined && TEXT_TYPES.has(bare) && looksLikeText(head)) return bare;
  if (bare === undefined && looksLikeText(head)) return "text/plain";
  return "application/octet-stream";
}

/** Types a browser may show inline: they run no script. SVG and HTML never are (they can). */
const INLINE =
  /^(image\/(png|jpeg|gif|webp|avif|bmp)|audio\/[\w.+-]+|video\/[\w.+-]+|application\/pdf|text\/plain|text\/csv|application\/json)$/;

/** Whether a file of this type may be served `inline`; anything else is an `attachment`. */
export const servesInline = (mime: string): boolean => INLINE.test(mime);

/**
 * A file name safe to store and show: no directories, no control characters, 1 to 256 characters.
 * @example safeFileName("../../etc/passwd") === "passwd"
 */
export function safeFileName(name: string | undefined): string {
  const base = (name ?? "").split(/[\\/]/).pop() ?? "";
  const clean = [...base]
    .filter((char) => {
      const code = char.charCodeAt(0);
      return code >= 0x20 && code !== 0x7f;
    })
    .join("")
    .trim()
    .slice(0, 256);
  return clean === "" || clean === "." || clean === ".." ? "file" : clean;
}

/**
 * Reads the first `SNIFF_BYTES` of a stream (fewer if it is shorter) and gives them back with the rest.
 * @example const { head, rest } = await peek(upload); const mime = await sniffMime(head, declared);
 */
export async function peek(
  source: AsyncIterable<Uint8Array>,
): Promise<{ head: Buffer; rest: AsyncIterable<Uint8Array> }> {
  const iterator = source[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let length = 0;
  let done = false;
  while (length < SNIFF_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    parts.push(Buffer.from(next.value));
    length += next.value.length;
  }
  const head = Buffer.concat(parts);
  async function* rest(): AsyncGenerator<Uint8Array> {
    if (head.length > 0) yield head;
    if (done) return;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  return { head, rest: rest() };
}
