// The sign-in form, shown instead of the conversation while a passwordAuth app has nobody signed in.
import type { User } from "../../lib/protocol/index.ts";
import { byId } from "./dom.ts";

/** Tries the credentials: the user, or the reason to show. */
export type SignInAttempt = (username: string, password: string) => Promise<User | { error: string }>;

/** The form and the "signed in as" corner of the header. */
export class SignIn {
  readonly #app = byId("app");
  readonly #form = byId<HTMLFormElement>("sign-in");
  readonly #username = byId<HTMLInputElement>("username");
  readonly #password = byId<HTMLInputElement>("password");
  readonly #error = byId("sign-in-error");
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

  /** Shows the form (the conversation and the composer hide). */
  ask(message = ""): void {
    this.#app.dataset.auth = "signed-out";
    this.#form.hidden = false;
    this.#error.textContent = message;
    this.#who.hidden = true;
    this.#signOut.hidden = true;
    this.#username.focus();
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
