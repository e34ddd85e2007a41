// The playground's sign-in with an OpenID Connect provider, in Chromium, against a real local provider
// (oidc-provider's dev login and consent pages): a button per provider (and no password fields without
// passwordAuth), the provider's pages, then back on the playground signed in as the user oauthCallback chose.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApp } from "chatwire";
import type { Browser } from "playwright-core";
import { OIDC_CLIENT, startOidcProvider, type TestProvider } from "../support/oidc.ts";
import { connected, launchBrowser, say, startServer, withPage } from "./browser.ts";

let browser: Browser;
let provider: TestProvider;
before(async () => {
  [browser, provider] = await Promise.all([launchBrowser(), startOidcProvider()]);
});
after(async () => {
  await browser?.close();
  await provider?.close();
});

test("a provider's button signs in through its pages and comes back to a connected, signed-in page", async (t) => {
  const app = createApp();
  app.oauthCallback((_provider, _tokens, _profile, user) => ({ ...user, displayName: `${user.displayName} (SSO)` }));
  app.onMessage(async (ctx, message) => {
    await ctx.send(`${ctx.user?.identifier} said ${message.content}`);
  });
  const { url } = await startServer(t, app.seal(), {
    auth: {
      secret: "playground-oidc-test-secret-0123456789abcdef",
      oauthProviders: [
        {
          id: "local",
          issuer: provider.issuer,
          clientId: OIDC_CLIENT.id,
          clientSecret: OIDC_CLIENT.secret,
          displayName: "Local OIDC",
        },
      ],
    },
  });
  provider.serve(`${url}auth/oauth/local/callback`);
  await withPage(t, browser, async (page) => {
    await page.goto(`${url}?theme=light`);
    const button = page.locator("#sign-in a.oauth-provider", { hasText: "Continue with Local OIDC" });
    await button.waitFor();
    assert.equal(await page.locator("#sign-in-password").isVisible(), false, "no password login in this app");
    assert.equal(await page.locator("#link").textContent(), "signed out");
    await button.click();

    await page.waitForURL((at) => at.origin === provider.issuer);
    await page.locator("input[name=login]").fill("ada");
    await page.locator("input[name=password]").fill("any");
    await page.locator("button[type=submit]").click();
    await page.locator("input[name=prompt][value=consent]").waitFor({ state: "attached" });
    await page.locator("button[type=submit]").click();

    await page.waitForURL((at) => at.href.startsWith(url));
    assert.equal(new URL(page.url()).search, "?theme=light", "back on the page the sign-in started from");
    await connected(page);
    assert.equal(await page.locator("#who").textContent(), "User ada (SSO)");
    await say(page, "hi");
    await page.locator(".message.assistant", { hasText: "ada@example.test said hi" }).waitFor();
  });
});
