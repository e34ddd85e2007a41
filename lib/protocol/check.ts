// A frame is checked against the schema of its own `type`, so an error names the field that is wrong rather than
// every member of the union. The checks are generated at build time (./validators.ts): start-up time counts.
import { ChatwireError } from "../errors.ts";
import type { ClientFrame, ClientFrameType } from "./client.ts";
import { shippedSchemas } from "./schemas.generated.ts";
import { frameValidator } from "./validators.ts";

type Validator = { Check(value: unknown): boolean; Errors(value: unknown): Iterable<unknown> };

const validators = new Map<string, Validator>();

/** The validator of one frame type; undefined for a type the protocol does not have. */
function validatorOf(type: string): Validator | undefined {
  let validator = validators.get(type);
  if (validator === undefined && Object.hasOwn(shippedSchemas.frames, type)) {
    validator = frameValidator(type as ClientFrameType) as Validator;
    validators.set(type, validator);
  }
  return validator;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The first validation error of a frame, as `{ field, message }`. */
function firstError(validator: Validator, value: unknown): { field: string; message: string } {
  for (const error of validator.Errors(value)) {
    const { instancePath, message, params } = error as {
      instancePath?: string;
      message?: string;
      params?: { requiredProperties?: string[]; additionalProperties?: string[] };
    };
    const extra = params?.requiredProperties?.[0] ?? params?.additionalProperties?.[0];
    const field = [instancePath ?? "", extra === undefined ? "" : `/${extra}`].join("") || "/";
    return { field, message: message ?? "is invalid" };
  }
  return { field: "/", message: "is invalid" };
}

/**
 * Parses and validates one text frame from a client.
 * Throws `BAD_JSON`, `UNKNOWN_FRAME` or `BAD_FRAME` (with `field`) as a ChatwireError.
 * @example const frame = parseClientFrame('{"type":"stop"}'); // { type: "stop" }
 */
export function parseClientFrame(text: string): ClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ChatwireError("BAD_JSON", "frame is not valid JSON");
  }
  return checkClientFrame(value);
}

/** Validates an already-parsed value as a client frame (see parseClientFrame). */
export function checkClientFrame(value: unknown): ClientFrame {
  if (!isRecord(value) || typeof value.type !== "string") {
    throw new FrameError("UNKNOWN_FRAME", "frame must be a JSON object with a string `type`", "/type");
  }
  const validator = validatorOf(value.type);
  if (validator === undefined) {
    throw new FrameError("UNKNOWN_FRAME", `unknown frame type "${value.type.slice(0, 64)}"`, "/type");
  }
  if (!validator.Check(value)) {
    const { field, message } = firstError(validator, value);
    throw new FrameError("BAD_FRAME", `${value.type}: ${field} ${message}`, field, idOf(value));
  }
  return value as ClientFrame;
}

/** The frame's own id, when it has a usable one, so an error can point back at it. */
const idOf = (value: Record<string, unknown>): string | undefined =>
  typeof value.id === "string" && value.id.length <= 64 ? value.id : undefined;

/** A frame that failed validation: which field, and the frame's id if it had one. */
export class FrameError extends ChatwireError {
  readonly field: string;
  readonly replyTo?: string | undefined;

  constructor(code: "UNKNOWN_FRAME" | "BAD_FRAME", message: string, field: string, replyTo?: string) {
    super(code, message);
    this.field = field;
    this.replyTo = replyTo;
  }
}

export type { ClientFrameType };
