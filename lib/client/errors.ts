// The client's error: a code from the protocol's list (docs/errors.md). Declared here rather than reusing
// ChatwireError, whose module carries the schema library (~75 kB) into every browser bundle.
import type { ErrorCode } from "../protocol/index.ts";

/** A failure the client reports: an error frame about a request (its `code`), a route's refusal, or a closed client. */
export class ChatwireClientError extends Error {
  override name = "ChatwireClientError";
  readonly code: ErrorCode;
  /** The HTTP status, for a route's answer. */
  readonly status?: number | undefined;

  constructor(code: ErrorCode, message: string, status?: number) {
    super(message);
    this.code = code;
    this.status = status;
  }
}
