// Who is using the page, from the routes of passwordAuth (lib/auth/routes.ts): GET /auth/me answers 200 with the
// user, 401 when signed out, and is missing (404) when the app has no passwordAuth: then everyone is anonymous
// (or known by headerAuth, which the page never sees until the gateway's welcome).
import type { User } from "../../lib/protocol/index.ts";
import { callApi } from "./api.ts";

/** The page's account: nothing to sign in to, signed out (the login form shows), or signed in. */
export type Account =
  | { readonly kind: "no-login" }
  | { readonly kind: "signed-out" }
  | { readonly kind: "signed-in"; readonly user: User };

const userIn = (body: unknown): User | undefined => {
  if (typeof body !== "object" || body === null || !("user" in body)) return undefined;
  const user = body.user;
  return typeof user === "object" && user !== null && "identifier" in user && typeof user.identifier === "string"
    ? (user as User)
    : undefined;
};

/** Asks the server who we are (the HttpOnly cookie goes along by itself). */
export async function currentAccount(api: string): Promise<Account> {
  const { status, body } = await callApi(api, "auth/me");
  const user = status === 200 ? userIn(body) : undefined;
  if (user !== undefined) return { kind: "signed-in", user };
  return status === 401 ? { kind: "signed-out" } : { kind: "no-login" };
}

/** Logs in: the server sets the session cookie that the WebSocket upgrade then carries. Else why it failed. */
export async function logIn(api: string, username: string, password: string): Promise<User | { error: string }> {
  const { status, body } = await callApi(api, "auth/login", { method: "POST", json: { username, password } });
  const user = status === 200 ? userIn(body) : undefined;
  if (user !== undefined) return user;
  if (status === 401) return { error: "Wrong username or password." };
  return { error: status === 0 ? "The server cannot be reached." : `Sign-in failed (HTTP ${status}).` };
}

/** Logs out: the server revokes the token and clears the cookie. */
export async function logOut(api: string): Promise<void> {
  await callApi(api, "auth/logout", { method: "POST" });
}

/** One OpenID Connect provider to offer a button for. */
export interface SignInProvider {
  readonly id: string;
  readonly name: string;
  /** Where the sign-in starts (a path on the gateway's server). */
  readonly url: string;
}

/** How users may sign in: with a password, and with which providers. */
export interface SignInOptions {
  readonly passwordLogin: boolean;
  readonly providers: readonly SignInProvider[];
}

const isProvider = (value: unknown): value is SignInProvider =>
  typeof value === "object" &&
  value !== null &&
  ["id", "name", "url"].every((key) => typeof (value as Record<string, unknown>)[key] === "string");

/** Asks `GET /auth/providers`; a server without it (an older one) has the password form only. */
export async function signInOptions(api: string): Promise<SignInOptions> {
  const { status, body } = await callApi(api, "auth/providers");
  if (status !== 200 || typeof body !== "object" || body === null) return { passwordLogin: true, providers: [] };
  const { passwordLogin, providers } = body as { passwordLogin?: unknown; providers?: unknown };
  return {
    passwordLogin: passwordLogin !== false,
    providers: Array.isArray(providers) ? providers.filter(isProvider) : [],
  };
}
