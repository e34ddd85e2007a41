// Chat settings on the wire: the inputs of the settings form (Chainlit's ChatSettings widgets) and their values.
// Declared once; the app's typed declaration (context/settings.ts) and the client's form both read these.
import { type Static, type TSchema, Type } from "typebox";

const Id = Type.String({ minLength: 1, maxLength: 64 });

/** Fields every input has: its id (the key of its value), label, help text and the tab it is shown on. */
const common = {
  id: Id,
  label: Type.Optional(Type.String({ maxLength: 256 })),
  description: Type.Optional(Type.String({ maxLength: 4096 })),
  /** Inputs with the same `tab` are shown together (Chainlit's tabs/groups); absent: the first tab. */
  tab: Type.Optional(Type.String({ maxLength: 64 })),
};
const input = <T extends string, P extends Record<string, TSchema>>(type: T, properties: P) =>
  Type.Object({ type: Type.Literal(type), ...common, ...properties }, { additionalProperties: false });
const Choices = Type.Array(Type.String({ maxLength: 256 }), { minItems: 1, maxItems: 256 });

/** One of `values` (a drop-down). */
export const SelectInput = input("select", { values: Choices, initial: Type.Optional(Type.String()) });
/** On or off. */
export const SwitchInput = input("switch", { initial: Type.Optional(Type.Boolean()) });
/** A number from `min` to `max`, by `step`. */
export const SliderInput = input("slider", {
  min: Type.Number(),
  max: Type.Number(),
  step: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  initial: Type.Optional(Type.Number()),
});
/** Any number, optionally bounded. */
export const NumberInput = input("number", {
  min: Type.Optional(Type.Number()),
  max: Type.Optional(Type.Number()),
  initial: Type.Optional(Type.Number()),
});
/** Free text, at most `maxLength` characters (default 10,000). */
export const TextInput = input("text", {
  placeholder: Type.Optional(Type.String({ maxLength: 256 })),
  multiline: Type.Optional(Type.Boolean()),
  maxLength: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  initial: Type.Optional(Type.String()),
});
/** A list of free-form tags (at most 100, each 1 to 100 characters). */
export const TagsInput = input("tags", { initial: Type.Optional(Type.Array(Type.String())) });
/** Several of `values`. */
export const MultiSelectInput = input("multiselect", {
  values: Choices,
  initial: Type.Optional(Type.Array(Type.String())),
});

/** One input of the settings form. */
export const SettingsInput = Type.Union([
  SelectInput,
  SwitchInput,
  SliderInput,
  NumberInput,
  TextInput,
  TagsInput,
  MultiSelectInput,
]);
export type SettingsInput = Static<typeof SettingsInput>;

/** The value of one input: a string (select, text), a boolean (switch), a number (slider, number) or a list of
 * strings (tags, multiselect). */
export const SettingValue = Type.Union([Type.String(), Type.Boolean(), Type.Number(), Type.Array(Type.String())]);
export type SettingValue = Static<typeof SettingValue>;

/** Every input's value, by input id. */
export const SettingsValues = Type.Record(Type.String(), SettingValue);
export type SettingsValues = Static<typeof SettingsValues>;
