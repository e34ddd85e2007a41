// Every fixed schema chatwire checks values against at run time: the client frames and the shapes an app declares.
// bin/build-validators.ts turns each into validator code at build time (./validators.generated.ts), so that the
// running server loads no schema compiler; the schemas themselves stay declared once, with typebox, where they are.
import { Type } from "typebox";
import { clientFrameSchemas } from "./client.ts";
import { CommandView } from "./commands.ts";
import { ModeView } from "./modes.ts";
import { ChatProfileView, StarterView } from "./profiles.ts";
import { SettingsInput } from "./settings.ts";
import { User } from "./views.ts";

/** What an app declares (commands, modes, settings, profiles, starters) and what its auth hooks return (a user). */
export const declaredSchemas = {
  commands: Type.Array(CommandView, { maxItems: 256 }),
  modes: Type.Array(ModeView, { maxItems: 16 }),
  settingsInput: SettingsInput,
  profiles: Type.Array(ChatProfileView, { maxItems: 256 }),
  starters: Type.Array(StarterView, { maxItems: 64 }),
  user: User,
} as const;

/** The schemas of the generated validators, by name: a client frame's by its `type`, the others by their key. */
export const checkedSchemas = { frames: clientFrameSchemas, declared: declaredSchemas } as const;
