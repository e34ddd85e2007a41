// `ErrorCode` as "chatwire" exports it: the schema of ./error-codes.ts as generated at build time (no typebox at start).
import type { Static } from "typebox";
import { shippedSchemas } from "./schemas.generated.ts";

/** Stable error codes carried by `error` frames and by `ChatwireError`, as a JSON Schema `enum`. */
export const ErrorCode = shippedSchemas.errorCode;
export type ErrorCode = Static<typeof ErrorCode>;
