// Tool approvals (`ctx.approve`) on a real gateway, on SQLite and PostgreSQL: "once" asks every time, "this
// conversation" holds for the thread (after a reconnect too), "always" holds in the user's other threads and not for
// another user; a denial says no; a reply naming no button of the ask, or someone else's ask, is refused and changes
// nothing; forgetting a grant asks again; deleting the thread deletes its grants.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApp, type DataLayer } from "chatwire";
import { connectClient, type TestClient } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";
import { onSqlLayers } from "../support/layers.ts";

/** "run X" asks to run tool X (remember: always offered up to "user") and says whether it ran; "forget X" forgets. */
function toolApp() {
  const chat = createApp();
  chat.headerAuth((headers) => (typeof headers["x-user"] === "string" ? { identifier: headers["x-user"] } : undefined));
  chat.onMessage(async (ctx, message) => {
    const [verb, tool = ""] = message.content.split(" ");
    if (verb === "forget") {
      await ctx.forgetApproval(tool);
      await ctx.send(`forgot ${tool}`);
      return;
    }
    const allowed = await ctx.approve({ tool, input: { target: "prod" }, remember: "user" });
    await ctx.send(allowed ? `ran ${tool}` : `did not run ${tool}`);
  });
  return chat;
}

const as = (user: string) => ({ headers: { "x-user": user } });
let ids = 0;

/** Sends "run tool"; presses `button` (by action name) if asked. Resolves with the answer and whether it asked. */
async function run(client: TestClient, tool: string, button?: string): Promise<{ answer: string; asked: boolean }> {
  client.send({ type: "user_message", id: `m${++ids}`, content: `run ${tool}` });
  let next = await client.next();
  while (next.type !== "ask" && next.type !== "message_new") next = await client.next();
  if (next.type === "message_new") {
    await client.until("task_end");
    return { answer: next.message.content, asked: false };
  }
  const action = next.message.actions?.find((a) => a.name === button);
  assert.ok(action, `the ask offers ${button}: ${JSON.stringify(next.message.actions?.map((a) => a.name))}`);
  client.send({ type: "ask_reply", askId: next.askId, actionId: action.id });
  const answer = (await client.until("message_new")).message.content;
  await client.until("task_end");
  return { answer, asked: true };
}

function approvalsOn(layer: () => DataLayer): void {
  test("once asks each time, a thread grant holds in the thread after a reconnect, always holds in the user's other threads only", async (t) => {
    const server = await startGateway(t, { hooks: toolApp().seal(), data: layer() });
    const ada = await connectClient(server, as("ada"));
    t.after(() => ada.close());
    const threadId = ada.welcome?.threadId ?? "";

    assert.deepEqual(await run(ada, "deploy", "approve_once"), { answer: "ran deploy", asked: true });
    assert.deepEqual(await run(ada, "deploy", "deny"), { answer: "did not run deploy", asked: true }, "asked again");
    assert.deepEqual(await run(ada, "deploy", "approve_thread"), { answer: "ran deploy", asked: true });
    assert.deepEqual(await run(ada, "deploy"), { answer: "ran deploy", asked: false }, "the thread's grant holds");
    assert.equal(await layer().hasToolGrant?.([`thread:${threadId}`], "deploy"), true, "stored");
    await ada.close();

    const reopened = await connectClient(server, { ...as("ada"), hello: false });
    t.after(() => reopened.close());
    reopened.send({ type: "hello", protocol: 1, thread: { id: threadId } });
    await reopened.until("thread_history");
    assert.deepEqual(await run(reopened, "deploy"), { answer: "ran deploy", asked: false }, "after a reopen too");

    const otherThread = await connectClient(server, as("ada"));
    t.after(() => otherThread.close());
    assert.equal((await run(otherThread, "deploy", "approve_user")).asked, true, "a thread grant stays in its thread");
    assert.deepEqual(await run(otherThread, "deploy"), { answer: "ran deploy", asked: false });
    const third = await connectClient(server, as("ada"));
    t.after(() => third.close());
    assert.deepEqual(await run(third, "deploy"), { answer: "ran deploy", asked: false }, "always: every thread");
    const bob = await connectClient(server, as("bob"));
    t.after(() => bob.close());
    assert.deepEqual(await run(bob, "deploy", "deny"), { answer: "did not run deploy", asked: true }, "per user");

    // Forgetting drops the thread's and the user's grants: ada is asked again, here and elsewhere.
    third.send({ type: "user_message", id: "forget", content: "forget deploy" });
    assert.equal((await third.until("message_new")).message.content, "forgot deploy");
    await third.until("task_end");
    assert.equal((await run(third, "deploy", "deny")).asked, true);
    assert.equal((await run(otherThread, "deploy", "deny")).asked, true);
  });

  test("a reply naming no button of the ask, or another user's ask, is refused and grants nothing; a deleted thread's grants go with it", async (t) => {
    const server = await startGateway(t, { hooks: toolApp().seal(), data: layer() });
    const cleo = await connectClient(server, as("cleo"));
    t.after(() => cleo.close());
    const threadId = cleo.welcome?.threadId ?? "";
    cleo.send({ type: "user_message", id: "c1", content: "run wipe" });
    const ask = await cleo.until("ask");
    assert.deepEqual(
      ask.message.actions?.map((a) => [a.name, a.label]),
      [
        ["approve_once", "Allow once"],
        ["approve_thread", "Allow in this conversation"],
        ["approve_user", "Always allow"],
        ["deny", "Deny"],
      ],
    );
    assert.match(ask.message.content, /Allow \*\*wipe\*\* to run with:[\s\S]*"target": "prod"/);

    const mallory = await connectClient(server, as("mallory"));
    t.after(() => mallory.close());
    const always = ask.message.actions?.find((a) => a.name === "approve_user")?.id ?? "";
    mallory.send({ type: "ask_reply", askId: ask.askId, actionId: always });
    assert.equal((await mallory.until("error")).code, "UNKNOWN_ASK", "another session cannot answer it");
    cleo.send({ type: "ask_reply", askId: ask.askId, actionId: "forged-approval" });
    assert.equal((await cleo.until("error")).code, "UNKNOWN_ACTION", "an id that is no button of the ask");
    assert.equal(await layer().hasToolGrant?.(["user:cleo", `thread:${threadId}`], "wipe"), false);

    const deny = ask.message.actions?.find((a) => a.name === "deny")?.id ?? "";
    cleo.send({ type: "ask_reply", askId: ask.askId, actionId: deny });
    assert.equal((await cleo.until("message_new")).message.content, "did not run wipe", "the ask was still open");
    await cleo.until("task_end");
    assert.equal((await run(cleo, "wipe", "approve_thread")).answer, "ran wipe");
    assert.equal(await layer().hasToolGrant?.([`thread:${threadId}`], "wipe"), true);

    const deleted = await server.inject({ method: "DELETE", url: `/threads/${threadId}`, headers: as("cleo").headers });
    assert.equal(deleted.statusCode, 204, deleted.body);
    assert.equal(await layer().hasToolGrant?.([`thread:${threadId}`], "wipe"), false, "gone with the thread");
  });
}

onSqlLayers("tool approvals", approvalsOn);

test("without a data layer a conversation grant lasts the session and always is not offered", async (t) => {
  const server = await startGateway(t, { hooks: toolApp().seal(), data: false });
  const ada = await connectClient(server, as("ada"));
  t.after(() => ada.close());
  ada.send({ type: "user_message", id: "n1", content: "run deploy" });
  const ask = await ada.until("ask");
  assert.deepEqual(
    ask.message.actions?.map((a) => a.name),
    ["approve_once", "approve_thread", "deny"],
  );
  const thread = ask.message.actions?.find((a) => a.name === "approve_thread")?.id ?? "";
  ada.send({ type: "ask_reply", askId: ask.askId, actionId: thread });
  assert.equal((await ada.until("message_new")).message.content, "ran deploy");
  await ada.until("task_end");
  assert.deepEqual(await run(ada, "deploy"), { answer: "ran deploy", asked: false });
});
