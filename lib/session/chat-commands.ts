// The commands (Chainlit's) a session offers now: a user message may name one of them, no other.
import type { LiveCommands } from "../context/init.ts";
import { ChatwireError } from "../errors.ts";
import type { CommandView } from "../protocol/commands.ts";

/** One session's commands. */
export class CommandBook implements LiveCommands {
  #commands: readonly CommandView[] = [];

  get current(): readonly CommandView[] {
    return this.#commands;
  }

  set(commands: readonly CommandView[]): void {
    this.#commands = commands;
  }

  /** Throws UNKNOWN_COMMAND unless `id` is one of the commands offered now. */
  check(id: string): void {
    if (!this.#commands.some((command) => command.id === id)) {
      throw new ChatwireError("UNKNOWN_COMMAND", `no command "${id}" is offered`);
    }
  }
}
