// Modes as an app declares them, checked once where they are declared (a bad list is the app's bug: it throws).
import { ChatwireError } from "../errors.ts";
import type { ModeView } from "../protocol/modes.ts";
import { declaredValidator } from "../protocol/validators.ts";

type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** A mode as the app declares it. */
export type ModeInit = DeepReadonly<ModeView>;

const checkModes = declaredValidator("modes");

/** A copy of `modes`, checked: throws INVALID_HOOK for a list the protocol cannot carry or with a repeated id. */
export function checkedModes(modes: readonly ModeInit[]): ModeView[] {
  const copy: unknown = structuredClone(modes);
  if (!checkModes.Check(copy)) {
    throw new ChatwireError("INVALID_HOOK", "modes need an id, a name and 1 to 64 options with an id and a name");
  }
  const unique = (ids: string[]) => new Set(ids).size === ids.length;
  if (!unique(copy.map((mode) => mode.id)) || !copy.every((mode) => unique(mode.options.map((option) => option.id)))) {
    throw new ChatwireError("INVALID_HOOK", "two modes, or two options of a mode, have the same id");
  }
  return copy;
}
