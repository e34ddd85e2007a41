// The playground's MCP panel against a real server and a real MCP server (the SDK's McpServer over streamable HTTP
// on 127.0.0.1): the user adds it from the page, sees its tools, the app's onMcpConnect gets it (the authorization
// header reaches the MCP server and never the hook), a message makes the app call a tool shown as a tool step with
// its output, refused servers show their typed error in the panel, and Remove takes it out of the session.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { createApp, type McpConnectionInfo } from "chatwire";
import type { Browser } from "playwright-core";
import { startHttpMcpServer } from "../mcp/servers.ts";
import { connected, eventually, launchBrowser, say, startServer, withPage } from "./browser.ts";

let browser: Browser;
before(async () => {
  browser = await launchBrowser();
});
after(() => browser?.close());

test("add an MCP server from the page, see its tools, call one through the app, refused ones typed, remove it", async (t) => {
  const mcp = await startHttpMcpServer(t);
  const joined: McpConnectionInfo[] = [];
  const left: string[] = [];
  const app = createApp();
  app.onMcpConnect((_ctx, connection) => {
    joined.push(connection);
  });
  app.onMcpDisconnect((_ctx, name) => {
    left.push(name);
  });
  app.onMessage(async (ctx, message) => {
    const result = await ctx.mcp.call("local", "echo", { text: message.content });
    const [part] = result.content;
    await ctx.send(`the tool said ${part?.type === "text" ? part.text : "?"}`);
  });
  const { url } = await startServer(t, app.seal(), {
    // One command allowed, with exactly its arguments: the page offers stdio; any other command is refused.
    mcp: {
      allowHosts: ["127.0.0.1"],
      allowPrivateAddresses: true,
      allowCommands: [{ command: "/bin/true", args: [] }],
    },
  });
  await withPage(t, browser, async (page) => {
    await page.goto(url);
    await connected(page);
    const panel = page.locator("#mcp-panel");
    assert.equal(await panel.isVisible(), false);
    await page.locator("#mcp").click();
    await panel.locator(".mcp-empty").waitFor();

    // A command the app did not allow-list: refused by the gateway, the typed error shown in the panel.
    await panel.locator('input[name="mcp-name"]').fill("shell");
    await panel.locator("#mcp-transport").selectOption("stdio");
    assert.equal(await panel.locator('input[name="mcp-url"]').isVisible(), false, "stdio asks for a command");
    await panel.locator('input[name="mcp-command"]').fill("/bin/sh");
    await panel.locator('input[name="mcp-args"]').fill("-c id");
    await panel.locator('button[type="submit"]').click();
    await panel.locator('#mcp-error[data-code="MCP_REFUSED"]').waitFor();
    assert.match((await panel.locator("#mcp-error").textContent()) ?? "", /^MCP_REFUSED: .*\/bin\/sh/);

    // A host the policy does not allow: refused before anything is fetched.
    await panel.locator("#mcp-transport").selectOption("streamable-http");
    await panel.locator('input[name="mcp-url"]').fill("http://localhost.example/mcp");
    await panel.locator('button[type="submit"]').click();
    await panel.locator('#mcp-error:text-matches("^MCP_REFUSED: .*localhost.example")').waitFor();
    assert.equal(joined.length, 0, "onMcpConnect saw neither");

    // The real server, with a token for it.
    await panel.locator('input[name="mcp-name"]').fill("local");
    await panel.locator('input[name="mcp-url"]').fill(mcp.url);
    await panel.locator('input[name="mcp-authorization"]').fill("Bearer page-token");
    await panel.locator('button[type="submit"]').click();
    const server = panel.locator('.mcp-server[data-name="local"]');
    await server.waitFor();
    assert.equal(await panel.locator("#mcp-error").textContent(), "", "a success clears the last error");
    assert.deepEqual(
      (await server.locator(".mcp-tool").evaluateAll((tools) => tools.map((tool) => tool.getAttribute("data-name"))))
        .filter((name): name is string => name !== null)
        .sort(),
      ["big", "echo", "fail", "slow"],
    );
    assert.match((await server.locator('.mcp-tool[data-name="echo"]').textContent()) ?? "", /Says its text back/);
    assert.equal(await server.locator(".badge").textContent(), "streamable-http");
    assert.equal(await page.locator("#mcp").textContent(), "MCP (1)");
    await eventually(() => (joined.length === 1 ? true : undefined), "onMcpConnect");
    assert.deepEqual(joined, [{ name: "local", transport: "streamable-http", url: mcp.url }], "no headers for the app");
    assert.ok(
      mcp.headers.some((headers) => headers.authorization === "Bearer page-token"),
      "the token went to the MCP server",
    );

    // A message: the app calls the tool; the page shows the tool step with its output, then the answer.
    await say(page, "from the page");
    await page.locator(".message.assistant", { hasText: "the tool said echo: from the page" }).waitFor();
    const step = page.locator('details.step[data-state="done"]', { hasText: "echo" });
    assert.equal(await step.locator(".badge").textContent(), "tool");
    await step.locator("summary").click();
    await step.locator('pre:text-is("echo: from the page")').waitFor();
    assert.equal(await step.locator("pre").first().textContent(), JSON.stringify({ text: "from the page" }));

    // Remove: the server leaves the session and the panel.
    await server.locator(".mcp-remove").click();
    await server.waitFor({ state: "detached" });
    await panel.locator(".mcp-empty").waitFor();
    assert.equal(await page.locator("#mcp").textContent(), "MCP");
    await eventually(() => (left.length === 1 ? true : undefined), "onMcpDisconnect");
    assert.deepEqual(left, ["local"]);
  });
});

test("the MCP button shows only for an app that takes MCP servers, offering the transports its policy allows", async (t) => {
  const plain = createApp();
  plain.onMessage(() => undefined);
  const urlsOnly = createApp();
  urlsOnly.onMessage(() => undefined);
  const without = await startServer(t, plain.seal());
  const withUrls = await startServer(t, urlsOnly.seal(), { mcp: { allowHosts: ["mcp.example.com"] } });
  await withPage(t, browser, async (page) => {
    await page.goto(without.url);
    await connected(page);
    assert.equal(await page.locator("#mcp").isVisible(), false, "no MCP policy, no onMcpConnect: no button");

    await page.goto(withUrls.url);
    await connected(page);
    await page.locator("#mcp").click();
    await page.locator("#mcp-form").waitFor();
    const offered = await page
      .locator("#mcp-transport option")
      .evaluateAll((options) =>
        options.filter((option) => !option.hidden).map((option) => option.getAttribute("value")),
      );
    assert.deepEqual(offered, ["streamable-http", "sse"], "no stdio: the app allow-lists no command");
    assert.equal(await page.locator("#mcp-transport").inputValue(), "streamable-http");
  });
});
