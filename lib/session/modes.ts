// The modes a session offers now: a user message's choices are checked against them, and every mode gets an option.
import type { LiveModes } from "../context/init.ts";
import { ChatwireError } from "../errors.ts";
import type { ModeView } from "../protocol/modes.ts";

/** One session's modes. */
export class ModeBook implements LiveModes {
  #modes: readonly ModeView[] = [];

  get current(): readonly ModeView[] {
    return this.#modes;
  }

  set(modes: readonly ModeView[]): void {
    this.#modes = modes;
  }

  /** The option of every mode offered: the chosen one, else the default (or first). Throws UNKNOWN_MODE for a mode
   * or option not offered now. */
  choices(chosen: Readonly<Record<string, string>> | undefined): Record<string, string> | undefined {
    if (chosen === undefined && this.#modes.length === 0) return undefined;
    const choices: Record<string, string> = {};
    for (const [modeId, optionId] of Object.entries(chosen ?? {})) {
      const mode = this.#modes.find((candidate) => candidate.id === modeId);
      if (mode === undefined || !mode.options.some((option) => option.id === optionId)) {
        throw new ChatwireError(
          "UNKNOWN_MODE",
          `no mode "${modeId.slice(0, 64)}" with option "${optionId.slice(0, 64)}"`,
        );
      }
      choices[modeId] = optionId;
    }
    for (const mode of this.#modes) {
      choices[mode.id] ??= (mode.options.find((option) => option.default === true) ?? mode.options[0])?.id ?? "";
    }
    return choices;
  }
}
