// A settings form, declared once: its inputs give the type of its values (as the protocol's schemas give the
// frames' types), and the same declaration checks what a client sends (BAD_SETTINGS).
import { ChatwireError } from "../errors.ts";
import type { SettingsInput, SettingsValues, SettingValue } from "../protocol/settings.ts";
import { declaredValidator } from "../protocol/validators.ts";

type DeepReadonly<T> = T extends readonly (infer E)[]
  ? readonly DeepReadonly<E>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** One input as an app declares it (the protocol's SettingsInput, read-only so `as const` literals fit). */
export type SettingsInputInit = DeepReadonly<SettingsInput>;

/** The value type of one input: a select's own choices, a switch's boolean, and so on. */
export type SettingValueOf<I> = I extends { readonly type: "select"; readonly values: readonly (infer V)[] }
  ? V
  : I extends { readonly type: "multiselect"; readonly values: readonly (infer V)[] }
    ? V[]
    : I extends { readonly type: "switch" }
      ? boolean
      : I extends { readonly type: "slider" | "number" }
        ? number
        : I extends { readonly type: "tags" }
          ? string[]
          : string;

/** The values of a form, by input id, typed from its inputs. */
export type SettingsOf<I extends readonly SettingsInputInit[]> = {
  [K in I[number] as K["id"]]: SettingValueOf<K>;
};

/** A declared settings form: its inputs, their initial values, and typed reading of a session's values. */
export interface ChatSettings<V extends object = SettingsValues> {
  readonly inputs: readonly SettingsInput[];
  /** Every input's initial value (its `initial`, else false, the minimum, the first choice, "" or []). */
  readonly initial: V;
  /**
   * The form's values out of a session's (`ctx.settings`): typed, each input's own value, or its initial one when
   * the session has none that fits (e.g. another form was shown).
   */
  read(values: SettingsValues): V;
}

const MAX_TEXT = 10_000;
const MAX_TAGS = 100;
const MAX_TAG = 100;
const checkInput = declaredValidator("settingsInput");

/** Why `value` does not fit `input`, or undefined when it does. */
export function settingProblem(input: SettingsInput, value: unknown): string | undefined {
  switch (input.type) {
    case "select":
      return typeof value === "string" && input.values.includes(value) ? undefined : "is not one of its values";
    case "switch":
      return typeof value === "boolean" ? undefined : "is not a boolean";
    case "slider":
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return "is not a number";
      if (input.min !== undefined && value < input.min) return `is below ${input.min}`;
      if (input.max !== undefined && value > input.max) return `is above ${input.max}`;
      if (input.type === "slider" && input.step !== undefined) {
        const steps = (value - input.min) / input.step;
        if (Math.abs(steps - Math.round(steps)) > 1e-9) return `is not a multiple of ${input.step} from ${input.min}`;
      }
      return undefined;
    }
    case "text":
      if (typeof value !== "string") return "is not a string";
      return value.length > (input.maxLength ?? MAX_TEXT) ? "is too long" : undefined;
    case "tags":
      if (!Array.isArray(value) || value.length > MAX_TAGS) return `is not a list of at most ${MAX_TAGS} tags`;
      return value.every((tag) => typeof tag === "string" && tag.length > 0 && tag.length <= MAX_TAG)
        ? undefined
        : `has a tag that is not 1 to ${MAX_TAG} characters`;
    case "multiselect":
      if (!Array.isArray(value)) return "is not a list";
      return value.every((item) => typeof item === "string" && input.values.includes(item))
        ? undefined
        : "has an item that is not one of its values";
    default:
      return input satisfies never;
  }
}

/** The value an input starts with when it declares none. */
function defaultOf(input: SettingsInput): SettingValue {
  switch (input.type) {
    case "select":
      return input.initial ?? input.values[0] ?? "";
    case "switch":
      return input.initial ?? false;
    case "slider":
      return input.initial ?? input.min;
    case "number":
      return input.initial ?? input.min ?? 0;
    case "text":
      return input.initial ?? "";
    case "tags":
    case "multiselect":
      return [...(input.initial ?? [])];
    default:
      return input satisfies never;
  }
}

/** The inputs' initial values; throws BAD_SETTINGS for a declaration that cannot be shown (the app's bug). */
export function initialValues(inputs: readonly SettingsInput[]): SettingsValues {
  const values: SettingsValues = {};
  for (const input of inputs) {
    if (!checkInput.Check(input)) {
      throw new ChatwireError("BAD_SETTINGS", `settings input ${JSON.stringify(input).slice(0, 80)} is invalid`);
    }
    if (Object.hasOwn(values, input.id)) throw new ChatwireError("BAD_SETTINGS", `two inputs have id "${input.id}"`);
    if (input.type === "slider" && input.min > input.max) {
      throw new ChatwireError("BAD_SETTINGS", `slider "${input.id}": min is above max`);
    }
    const value = defaultOf(input);
    const problem = settingProblem(input, value);
    if (problem !== undefined) throw new ChatwireError("BAD_SETTINGS", `"${input.id}": the initial value ${problem}`);
    values[input.id] = value;
  }
  return values;
}

/** `current`'s value of each input where it fits, else the input's initial value. */
export function keptValues(inputs: readonly SettingsInput[], current: SettingsValues): SettingsValues {
  const initial = initialValues(inputs);
  for (const input of inputs) {
    const value = current[input.id];
    if (Object.hasOwn(current, input.id) && settingProblem(input, value) === undefined)
      initial[input.id] = value as SettingValue;
  }
  return initial;
}

/**
 * Declares a settings form. Its values are typed from the inputs; register it for every session with
 * `chat.chatSettings(form)`, or show it in one session with `await ctx.setSettings(form)`.
 * @example
 * const form = defineSettings([
 *   { type: "select", id: "model", label: "Model", values: ["gpt-4o", "o3"] },
 *   { type: "slider", id: "temperature", min: 0, max: 2, step: 0.1, initial: 0.7 },
 *   { type: "switch", id: "stream", initial: true },
 * ] as const);
 * const { model, temperature } = form.read(ctx.settings); // "gpt-4o" | "o3", number
 */
export function defineSettings<const I extends readonly SettingsInputInit[]>(inputs: I): ChatSettings<SettingsOf<I>> {
  const declared = structuredClone(inputs) as unknown as SettingsInput[];
  const initial = initialValues(declared);
  return Object.freeze({
    inputs: Object.freeze(declared),
    initial: Object.freeze(initial) as unknown as SettingsOf<I>,
    read: (values: SettingsValues) => keptValues(declared, values) as unknown as SettingsOf<I>,
  });
}
