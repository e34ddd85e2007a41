// The settings form a session shows and its current values: declared by the app (for every session, or by
// `ctx.setSettings`), changed by the client's `settings_update`, checked here against the declared inputs.
import type { LiveSettings } from "../context/init.ts";
import { keptValues, settingProblem } from "../context/settings.ts";
import { ChatwireError } from "../errors.ts";
import type { SettingsInput, SettingsValues, SettingValue } from "../protocol/settings.ts";

/** A refused update: which field of the frame is wrong. */
export class SettingsError extends ChatwireError {
  readonly field: string;

  constructor(message: string, field: string) {
    super("BAD_SETTINGS", message);
    this.field = field;
  }
}

/** One session's settings. */
export class SettingsBook implements LiveSettings {
  #inputs: readonly SettingsInput[] = [];
  #values: SettingsValues;

  /** `restored`: the values saved with a reopened thread, kept where the declared inputs accept them. */
  constructor(restored: SettingsValues = {}) {
    this.#values = restored;
  }

  get inputs(): readonly SettingsInput[] {
    return this.#inputs;
  }

  get values(): SettingsValues {
    return this.#values;
  }

  declare(inputs: readonly SettingsInput[]): SettingsValues {
    const values = keptValues(inputs, this.#values);
    this.#inputs = inputs;
    this.#values = Object.freeze(values);
    return this.#values;
  }

  /** The values after `changes`, unapplied; throws BAD_SETTINGS (with the field) for a value the form refuses. */
  check(changes: Readonly<Record<string, unknown>>): SettingsValues {
    if (this.#inputs.length === 0) throw new SettingsError("no settings form is shown", "/values");
    const next: SettingsValues = { ...this.#values };
    for (const [id, value] of Object.entries(changes)) {
      const input = this.#inputs.find((candidate) => candidate.id === id);
      const field = `/values/${id.slice(0, 64)}`;
      if (input === undefined) throw new SettingsError(`no settings input "${id.slice(0, 64)}"`, field);
      const problem = settingProblem(input, value);
      if (problem !== undefined) throw new SettingsError(`settings "${id}" ${problem}`, field);
      next[id] = value as SettingValue;
    }
    return Object.freeze(next);
  }

  /** Applies values that `check` returned. */
  apply(values: SettingsValues): void {
    this.#values = values;
  }
}
