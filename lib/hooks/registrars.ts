// Registration is a phase: registrars fill a table; `seal()` ends the phase and hands the frozen table to a gateway.
import { type CommandInit, checkedCommands } from "../context/commands.ts";
import { checkedModes, type ModeInit } from "../context/modes.ts";
import type { ChatSettings } from "../context/settings.ts";
import { ChatwireError } from "../errors.ts";
import {
  type ActionHook,
  emptyTable,
  type HookTable,
  type SlotName,
  slotNames,
  withAction,
  withDeclaration,
  withHook,
} from "./table.ts";

/** The registrar of one hook slot: registers `fn` there (throws HOOKS_SEALED, DUPLICATE_HOOK or INVALID_HOOK). */
export type Registrar<S extends object, K extends SlotName> = (fn: NonNullable<HookTable<S>[K]>) => void;
type Registrars<S extends object> = { readonly [K in SlotName]: Registrar<S, K> };

/** An app under construction: one registrar per hook, `actionCallback`, and `seal()`. */
export interface ChatApp<S extends object> extends Registrars<S> {
  /** Registers the callback for the action buttons named `name`. */
  actionCallback(name: string, fn: ActionHook<S>): void;
  /** Declares the settings form every session shows from its start (`defineSettings([...])`). */
  chatSettings<V extends object>(form: ChatSettings<V>): void;
  /** Declares the commands every session offers from its start (a handler may change them: `ctx.setCommands`). */
  setCommands(commands: readonly CommandInit[]): void;
  /** Declares the mode pickers every session offers from its start (a handler may change them: `ctx.setModes`). */
  setModes(modes: readonly ModeInit[]): void;
  /** Declares keys each user provides for their own sessions (e.g. an API key): `ctx.userEnv`, never stored. */
  userEnv(keys: readonly string[]): void;
  /** Ends registration and returns the frozen table; later registrations throw HOOKS_SEALED. */
  seal(): HookTable<S>;
  /** The table as it stands, without sealing (for inspection and tests). */
  table(): HookTable<S>;
}

/**
 * Creates an app with its own hook table, touching no global.
 * @example
 * const chat = createApp<{ turns: number }>();
 * chat.onMessage(async (ctx, message) => { await ctx.send(`echo: ${message.content}`); });
 * await server.register(chatwire, { hooks: chat.seal() });
 */
export function createApp<S extends object = Record<string, unknown>>(): ChatApp<S> {
  let table = emptyTable<S>();
  let sealed = false;
  const app = {} as ChatApp<S>;
  reopeners.set(app, () => {
    table = emptyTable<S>();
    sealed = false;
  });

  const guard = (name: string, fn: unknown) => {
    if (sealed) throw new ChatwireError("HOOKS_SEALED", `${name} was registered after the app was sealed`);
    if (typeof fn !== "function") throw new ChatwireError("INVALID_HOOK", `${name} needs a function`);
  };
  const slot =
    <K extends SlotName>(name: K): Registrar<S, K> =>
    (fn) => {
      guard(name, fn);
      if (table[name] !== undefined) throw new ChatwireError("DUPLICATE_HOOK", `${name} is already registered`);
      table = withHook(table, name, fn);
    };

  const registrars = Object.fromEntries(slotNames.map((name) => [name, slot(name)])) as Registrars<S>;
  return Object.assign(app, {
    ...registrars,
    actionCallback(name, fn) {
      guard(`actionCallback("${name}")`, fn);
      if (typeof name !== "string" || name.length === 0 || name.length > 128) {
        throw new ChatwireError("INVALID_HOOK", "actionCallback needs a name of 1 to 128 characters");
      }
      if (table.actions.has(name)) {
        throw new ChatwireError("DUPLICATE_HOOK", `actionCallback("${name}") is already registered`);
      }
      table = withAction(table, name, fn);
    },
    chatSettings(form) {
      if (sealed) throw new ChatwireError("HOOKS_SEALED", "chatSettings was declared after the app was sealed");
      if (typeof form !== "object" || form === null || !Array.isArray(form.inputs)) {
        throw new ChatwireError("INVALID_HOOK", "chatSettings needs a form made by defineSettings([...])");
      }
      if (table.chatSettings !== undefined)
        throw new ChatwireError("DUPLICATE_HOOK", "chatSettings is already declared");
      table = withDeclaration(table, "chatSettings", form as ChatSettings<object>);
    },
    setCommands(commands) {
      if (sealed) throw new ChatwireError("HOOKS_SEALED", "setCommands was called after the app was sealed");
      if (table.commands !== undefined) throw new ChatwireError("DUPLICATE_HOOK", "setCommands was already called");
      table = withDeclaration(table, "commands", checkedCommands(commands));
    },
    setModes(modes) {
      if (sealed) throw new ChatwireError("HOOKS_SEALED", "setModes was called after the app was sealed");
      if (table.modes !== undefined) throw new ChatwireError("DUPLICATE_HOOK", "setModes was already called");
      table = withDeclaration(table, "modes", checkedModes(modes));
    },
    userEnv(keys) {
      if (sealed) throw new ChatwireError("HOOKS_SEALED", "userEnv was declared after the app was sealed");
      if (table.userEnv !== undefined) throw new ChatwireError("DUPLICATE_HOOK", "userEnv is already declared");
      const valid = (key: unknown) => typeof key === "string" && key.length > 0 && key.length <= 64;
      if (!Array.isArray(keys) || keys.length > 64 || !keys.every(valid)) {
        throw new ChatwireError("INVALID_HOOK", "userEnv needs at most 64 keys of 1 to 64 characters");
      }
      table = withDeclaration(table, "userEnv", Object.freeze([...new Set(keys)]));
    },
    seal() {
      sealed = true;
      return table;
    },
    table: () => table,
  } satisfies ChatApp<S>);
}

/** How each app empties itself for `reopenApp`, out of its public surface. */
const reopeners = new WeakMap<object, () => void>();

/**
 * Starts `app`'s registration over with an empty table (for `chatwire run --watch`, which imports the edited app
 * again through the same registrars). Tables sealed before stay as they were: they are frozen values.
 */
export function reopenApp(app: object): void {
  reopeners.get(app)?.();
}

/** The default app, for scripts run with `chatwire run`. Tests and embedders make their own with createApp(). */
export const defaultApp: ChatApp<Record<string, unknown>> = createApp();

export const {
  onAppStartup,
  onAppShutdown,
  onChatStart,
  onChatResume,
  onChatEnd,
  onStop,
  onMessage,
  onTurnRecover,
  onAudioStart,
  onAudioChunk,
  onAudioEnd,
  onFeedback,
  authorRename,
  onWindowMessage,
  headerAuth,
  passwordAuth,
  onError,
  actionCallback,
  onSettingsUpdate,
  chatSettings,
  setChatProfiles,
  setStarters,
  setCommands,
  onLogout,
  userEnv,
  setModes,
  onMcpConnect,
  onMcpDisconnect,
  onSharedThreadView,
  oauthCallback,
} = defaultApp;
