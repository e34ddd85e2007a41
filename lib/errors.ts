// Every failure a client or an app author can see has a stable code; docs/errors.md explains each one.

/** Stable error codes carried by `error` frames and by `ChatwireError`; the schema `ErrorCode` (an `enum` of these)
 * is lib/protocol/error-codes.ts. */
export const errorCodes = [
  "BAD_JSON",
  "BAD_FRAME",
  "UNKNOWN_FRAME",
  "FRAME_TOO_LARGE",
  "BAD_BINARY",
  "HELLO_REQUIRED",
  "ALREADY_HELLO",
  "PROTOCOL_VERSION",
  "UNKNOWN_ACTION",
  "UNKNOWN_ASK",
  "ASK_TIMEOUT",
  "AUDIO_NOT_STARTED",
  "QUEUE_FULL",
  "HANDLER_FAILED",
  "HOOKS_SEALED",
  "DUPLICATE_HOOK",
  "INVALID_HOOK",
  "STARTUP_FAILED",
  "SESSION_CLOSED",
  "RATE_LIMITED",
  "TOO_MANY_SESSIONS",
  "ASK_LIMIT",
  "AUDIO_TOO_LARGE",
  "STORE_FULL",
  "UNAUTHENTICATED",
  "FORBIDDEN",
  "AUTH_SECRET_MISSING",
  "THREAD_NOT_FOUND",
  "PERSISTENCE_FAILED",
  "UNKNOWN_MESSAGE",
  "LOGIN_THROTTLED",
  "INVALID_OPTION",
  "CLIENT_CLOSED",
  "REQUEST_FAILED",
  "BAD_SETTINGS",
  "UNKNOWN_PROFILE",
  "UNKNOWN_COMMAND",
  "EDITS_DISABLED",
  "UNKNOWN_MODE",
  "BAD_UPLOAD",
  "FILE_TOO_LARGE",
  "UPLOAD_QUOTA",
  "UNKNOWN_FILE",
  "FILE_REFUSED",
  "RUN_IN_PROGRESS",
  "BAD_AUDIO",
  "APP_RELOAD_FAILED",
  "MESSAGE_DROPPED",
  "BAD_ID",
  "DUPLICATE_ID",
  "MCP_DISABLED",
  "MCP_REFUSED",
  "MCP_LIMIT",
  "MCP_NAME_TAKEN",
  "MCP_CONNECT_FAILED",
  "UNKNOWN_MCP_SERVER",
  "MCP_RESULT_TOO_LARGE",
  "MESSAGE_TOO_LARGE",
  "BAD_ASK_TIMEOUT",
  "SERVER_FULL",
  "SERVER_BUSY",
  "TURN_NOT_RECOVERED",
  "TURN_TAKEN_OVER",
  "STREAM_TOO_LONG",
  "FAVORITES_DISABLED",
  "SIGN_IN_REQUIRED",
  "NOT_YOUR_MESSAGE",
  "BAD_APPROVAL",
  "UNKNOWN_PROVIDER",
  "PROVIDER_UNAVAILABLE",
  "SHARE_VIEW_TIMEOUT",
  "VIEW_ONLY",
] as const;
export type ErrorCode = (typeof errorCodes)[number];

/** The one error class chatwire throws; `code` says what to do about it. */
export class ChatwireError extends Error {
  override name = "ChatwireError";
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** True when `error` is a ChatwireError, optionally with the given code. */
export const isChatwireError = (error: unknown, code?: ErrorCode): error is ChatwireError =>
  error instanceof ChatwireError && (code === undefined || error.code === code);
