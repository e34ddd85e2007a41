// The sign-in form, shown instead of the conversation while a passwordAuth app has nobody signed in.
import type { User } from "../../lib/protocol/index.ts";
import type { SignInOptions } from "./auth.ts";
import { byId, h } from "./dom.ts";

/** Tries the credentials: the user, or the reason to show. */
export type SignInAttempt = (username: string, password: string) => Promise<User | { error: string }>;

/** The form and the "signed in as" corner of the header. */
export class SignIn {
  readonly #app = byId("app");
  readonly #form = byId<HTMLFormElement>("sign-in");
  readonly #username = byId<HTMLInputElement>("username");
  readonly #password = byId<HTMLInputElement>("password");
  readonly #error = byId("sign-in-error");
  readonly #providers = byId("sign-in-providers");
  readonly #passwordFields = byId<HTMLFieldSetElement>("sign-in-password");
  readonly #who = byId("who");
  readonly #signOut = byId<HTMLButtonElement>("sign-out");

  constructor(attempt: SignInAttempt, signedIn: (user: User) => void, signOut: () => void) {
    this.#form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submit = this.#form.querySelector("button");
      if (submit) submit.disabled = true;
      const result = await attempt(this.#username.value, this.#password.value);
      if (submit) submit.disabled = false;
      if ("error" in result) {
        this.#error.textContent = result.error;
        this.#password.select();
        return;
      }
      this.#password.value = "";
      signedIn(result);
    });
    this.#signOut.addEventListener("click", signOut);
  }

  /** Shows the form (the conversation and the composer hide): a button per OpenID Connect provider, and the
   * password fields when the server has a password login. */
  ask(message = "", options: SignInOptions = { passwordLogin: true, providers: [] }): void {
    this.#app.dataset.auth = "signed-out";
    this.#form.hidden = false;
    this.#error.textContent = message;
    this.#who.hidden = true;
    this.#signOut.hidden = true;
    // Back to this very page after the provider's sign-in (the server only accepts a path of its own site).
    const back = `${location.pathname}${location.search}`;
    this.#providers.replaceChildren(
      ...options.providers.map((provider) => {
        const start = new URL(provider.url, location.href);
        start.searchParams.set("redirect", back);
        return h(
          "a",
          { class: "oauth-provider", href: start.href, "data-provider": provider.id },
          `Continue with ${provider.name}`,
        );
      }),
    );
    this.#passwordFields.hidden = !options.passwordLogin;
    this.#passwordFields.disabled = !options.passwordLogin;
    if (options.passwordLogin) this.#username.focus();
  }

  /** Hides the form and shows who is signed in; `canSignOut` only where there is a login to leave. */
  signedIn(user: User | undefined, canSignOut: boolean): void {
    this.#app.dataset.auth = user === undefined ? "anonymous" : "signed-in";
    this.#form.hidden = true;
    this.#who.textContent = user?.displayName ?? user?.identifier ?? "";
    this.#who.hidden = user === undefined;
    this.#signOut.hidden = !canSignOut;
  }
}
