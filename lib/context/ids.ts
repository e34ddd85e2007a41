// Ids an app chooses for its messages and steps: checked for shape here, for uniqueness by the session.
import { ChatwireError } from "../errors.ts";
import type { ContextInit } from "./init.ts";

/** 1 to 64 characters a URL, a CSS selector and a log line take as they are. */
const ID_SHAPE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** Checks an app-chosen id and takes it for the thread: returns it, or throws `BAD_ID` / `DUPLICATE_ID`. */
export function claimId<S extends object>(init: ContextInit<S>, id: string): string {
  if (typeof id !== "string" || !ID_SHAPE.test(id)) {
    throw new ChatwireError("BAD_ID", `an id has 1 to 64 of A-Z a-z 0-9 _ - . : (got ${JSON.stringify(id)})`);
  }
  init.claimId?.(id);
  return id;
}
