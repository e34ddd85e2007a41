// Which chat profile a new session runs with, and its starters: the app's `setChatProfiles` and `setStarters`,
// checked against the protocol's shapes (what they return goes to clients as is).
import type { FastifyInstance } from "fastify";
import { authenticate } from "../auth/authenticate.ts";
import type { TokenIssuer } from "../auth/tokens.ts";
import { ChatwireError } from "../errors.ts";
import type { HookTable } from "../hooks/table.ts";
import type { ChatProfileList, ChatProfileView, StarterView } from "../protocol/profiles.ts";
import { declaredValidator } from "../protocol/validators.ts";
import type { User } from "../protocol/views.ts";

const checkProfiles = declaredValidator("profiles");
const checkStarters = declaredValidator("starters");

/** The profiles `user` may choose from; [] when the app declares none. A bad answer is the app's bug: it throws. */
export async function listProfiles(hooks: HookTable<object>, user: User | undefined): Promise<ChatProfileView[]> {
  if (hooks.setChatProfiles === undefined) return [];
  const profiles: unknown = await hooks.setChatProfiles(user);
  if (!checkProfiles.Check(profiles)) {
    throw new Error("setChatProfiles returned something that is not a list of chat profiles (see ChatProfileView)");
  }
  return profiles;
}

/** A new session's profile and starters. */
export interface ChosenProfile {
  readonly chatProfile: string | undefined;
  readonly starters: StarterView[];
}

/**
 * The profile named by `requested` (a hello's: UNKNOWN_PROFILE when the app has no such profile for the user), or
 * `fallback` (a reopened thread's, if still offered), or the default one. Without `setChatProfiles`, any name goes.
 */
export async function chooseProfile(
  hooks: HookTable<object>,
  user: User | undefined,
  requested: string | undefined,
  fallback: string | undefined,
): Promise<ChosenProfile> {
  const profiles = await listProfiles(hooks, user);
  let chatProfile = requested ?? fallback;
  let profile: ChatProfileView | undefined;
  if (profiles.length > 0) {
    profile = profiles.find((candidate) => candidate.name === chatProfile);
    if (profile === undefined && requested !== undefined) {
      throw new ChatwireError("UNKNOWN_PROFILE", `no chat profile "${requested.slice(0, 128)}"`);
    }
    profile ??= profiles.find((candidate) => candidate.default === true) ?? profiles[0];
    chatProfile = profile?.name;
  }
  const starters: unknown = profile?.starters ?? (await hooks.setStarters?.(user, chatProfile)) ?? [];
  if (!checkStarters.Check(starters)) {
    throw new Error("setStarters returned something that is not a list of starters (see StarterView)");
  }
  return { chatProfile, starters };
}

/** `GET /chat-profiles`: the profiles the requesting user may start with, authenticated as the socket is. */
export function profileRoute(
  app: FastifyInstance,
  current: () => HookTable<object>,
  tokens: TokenIssuer | undefined,
): void {
  app.get("/chat-profiles", async (request, reply) => {
    const hooks = current(); // the table of the moment: a reload may swap it
    const auth = await authenticate(request, hooks, tokens);
    if (!auth.ok) return reply.code(401).send({ code: "UNAUTHENTICATED", message: auth.reason });
    const answer: ChatProfileList = { profiles: await listProfiles(hooks, auth.user) };
    return answer;
  });
}
