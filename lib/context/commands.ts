// Commands as an app declares them: checked against the protocol's shape once, where they are declared (a bad one
// is the app's bug: it throws).
import { ChatwireError } from "../errors.ts";
import type { CommandView } from "../protocol/commands.ts";
import { declaredValidator } from "../protocol/validators.ts";

/** A command as the app declares it. */
export type CommandInit = Readonly<CommandView>;

const checkCommands = declaredValidator("commands");

/** A copy of `commands`, checked: throws INVALID_HOOK for a list the protocol cannot carry or with a repeated id. */
export function checkedCommands(commands: readonly CommandInit[]): CommandView[] {
  const copy: unknown = structuredClone(commands);
  if (!checkCommands.Check(copy)) {
    throw new ChatwireError("INVALID_HOOK", "commands need an id (1 to 64 characters) and a description, at most 256");
  }
  if (new Set(copy.map((command) => command.id)).size !== copy.length) {
    throw new ChatwireError("INVALID_HOOK", "two commands have the same id");
  }
  return copy;
}
