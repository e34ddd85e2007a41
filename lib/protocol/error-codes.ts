// The stable error codes (lib/errors.ts lists them) as a typebox schema, for chatwire/protocol and for the schemas
// generated at build time: "chatwire" exports the generated copy (./error-code.ts); docs/errors.md explains each code.
import { type Static, Type } from "typebox";
import { errorCodes } from "../errors.ts";

/** Stable error codes carried by `error` frames and by `ChatwireError`, as a JSON Schema `enum`. */
export const ErrorCode = Type.Enum(errorCodes);
export type ErrorCode = Static<typeof ErrorCode>;
