// Favorites (Chainlit's favorite messages) on a real gateway, on SQLite and PostgreSQL: a signed-in user marks their
// own message, the list comes back after the change and in every new session, it is stored in the thread's metadata
// (no migration), and unmarking removes it. Someone else's message, an app's message, favorites turned off, an
// anonymous user and a data layer that cannot list favorites are each refused with their own code; the session
// goes on.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApp, createMemoryLayer, type DataLayer, type GatewayOptions } from "chatwire";
import { ChatwireClientError, connect } from "chatwire/client";
import { connectClient, wsUrl } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";
import { onSqlLayers } from "../support/layers.ts";

/** Users named by the `x-user` header (or nobody signs in: `anonymous`). Each message gets an echo. */
function echoApp(anonymous = false) {
  const chat = createApp();
  if (!anonymous) {
    chat.headerAuth((headers) =>
      typeof headers["x-user"] === "string" ? { identifier: headers["x-user"] } : undefined,
    );
  }
  chat.onMessage(async (ctx, message) => {
    await ctx.send(`echo ${message.content}`);
  });
  return chat;
}

const as = (user: string) => ({ headers: { "x-user": user } });

function favoritesOn(layer: () => DataLayer): void {
  test("a favorite is listed after the change and in a new session, stored in the thread, and unmarked", async (t) => {
    const server = await startGateway(t, { hooks: echoApp().seal(), data: layer() });
    const ada = await connectClient(server, as("ada"));
    t.after(() => ada.close());
    const threadId = ada.welcome?.threadId ?? "";
    assert.deepEqual((await ada.until("favorites")).messages, [], "the session starts with the user's list");
    ada.send({ type: "user_message", id: "m1", content: "plan a trip to Oslo" });
    await ada.until("task_end");
    ada.send({ type: "user_message", id: "m2", content: "and to Bergen" });
    await ada.until("task_end");

    ada.send({ type: "favorite", id: "f1", messageId: "m1", favorite: true });
    const marked = await ada.until("favorites");
    assert.equal(marked.replyTo, "f1");
    assert.deepEqual(
      marked.messages.map(({ content, threadId }) => ({ content, threadId })),
      [{ content: "plan a trip to Oslo", threadId }],
    );
    const storedId = marked.messages[0]?.id ?? "";
    assert.notEqual(storedId, "m1", "listed under the server's id, which every session knows it by");
    ada.send({ type: "favorite", id: "f2", messageId: "m2", favorite: true });
    const both = await ada.until("favorites");
    assert.deepEqual(
      both.messages.map((m) => m.content),
      ["and to Bergen", "plan a trip to Oslo"],
      "newest first",
    );
    assert.deepEqual((await layer().listFavorites?.("ada"))?.length, 2, "committed before the answer");
    const thread = await layer().getThread(threadId);
    assert.equal((thread?.metadata.chatwireFavorites as string[] | undefined)?.includes(storedId), true);
    const route = await server.inject({ method: "GET", url: `/threads/${threadId}`, headers: { "x-user": "ada" } });
    assert.equal(route.statusCode, 200);
    assert.equal(route.json().metadata.chatwireFavorites, undefined, "the key is chatwire's own: no route shows it");
    await ada.close();

    const later = await connectClient(server, as("ada"));
    t.after(() => later.close());
    assert.deepEqual((await later.until("favorites")).messages, both.messages, "a new session gets the list");
    const bob = await connectClient(server, as("bob"));
    t.after(() => bob.close());
    assert.deepEqual((await bob.until("favorites")).messages, [], "favorites are per user");

    // Reopened, the thread's stored messages can be unmarked by their stored id.
    const reopened = await connectClient(server, { ...as("ada"), hello: false });
    t.after(() => reopened.close());
    reopened.send({ type: "hello", protocol: 1, thread: { id: threadId } });
    await reopened.until("thread_history");
    assert.equal((await reopened.until("favorites")).messages.length, 2, "after the history, the list");
    reopened.send({ type: "favorite", id: "f3", messageId: storedId, favorite: false });
    const unmarked = await reopened.until("favorites");
    assert.equal(unmarked.replyTo, "f3");
    assert.deepEqual(
      unmarked.messages.map((m) => m.content),
      ["and to Bergen"],
    );
    assert.deepEqual(
      (await layer().listFavorites?.("ada"))?.map((m) => m.content),
      ["and to Bergen"],
    );
  });

  test("two sessions on one thread keep each other's writes: a favorite marked in one survives the other's saved state", async (t) => {
    const server = await startGateway(t, { hooks: echoApp().seal(), data: layer() });
    const first = await connectClient(server, as("dora"));
    t.after(() => first.close());
    const threadId = first.welcome?.threadId ?? "";
    first.send({ type: "user_message", id: "m1", content: "keep me" });
    await first.until("task_end");
    await first.close(); // saves its state; the thread is stored

    const tab1 = await connectClient(server, { ...as("dora"), hello: false });
    const tab2 = await connectClient(server, { ...as("dora"), hello: false });
    t.after(() => tab1.close());
    t.after(() => tab2.close());
    for (const tab of [tab1, tab2]) {
      tab.send({ type: "hello", protocol: 1, thread: { id: threadId } });
      await tab.until("thread_history");
    }
    const stored = (await tab1.until("favorites")).messages;
    assert.deepEqual(stored, []);
    const history = await layer().loadThread(threadId);
    const messageId = history?.steps.find((step) => "content" in step && step.content === "keep me")?.id ?? "";
    tab1.send({ type: "favorite", id: "f1", messageId, favorite: true });
    assert.equal((await tab1.until("favorites")).messages.length, 1);
    await tab2.close(); // saves its state, loaded before the favorite was marked

    const reopened = await connectClient(server, { ...as("dora"), hello: false });
    t.after(() => reopened.close());
    reopened.send({ type: "hello", protocol: 1, thread: { id: threadId } });
    await reopened.until("thread_history");
    assert.deepEqual(
      (await reopened.until("favorites")).messages.map((m) => m.content),
      ["keep me"],
      "the other tab's saved state did not undo the favorite",
    );
    const thread = await layer().getThread(threadId);
    assert.ok(thread?.metadata.chatwireSession !== undefined, "and that state was saved");
  });

  test("someone else's message is UNKNOWN_MESSAGE, the app's NOT_YOUR_MESSAGE, and the session goes on", async (t) => {
    const server = await startGateway(t, { hooks: echoApp().seal(), data: layer() });
    const cleo = await connectClient(server, as("cleo"));
    t.after(() => cleo.close());
    cleo.send({ type: "user_message", id: "m1", content: "cleo's secret" });
    const reply = await cleo.until("message_new");
    await cleo.until("task_end");
    cleo.send({ type: "favorite", id: "f1", messageId: "m1", favorite: true });
    const cleoMessage = (await cleo.until("favorites")).messages.find((m) => m.content === "cleo's secret");
    assert.ok(cleoMessage !== undefined);

    const mallory = await connectClient(server, as("mallory"));
    t.after(() => mallory.close());
    mallory.send({ type: "favorite", id: "x1", messageId: cleoMessage.id, favorite: false });
    const refused = await mallory.until("error");
    assert.deepEqual([refused.code, refused.replyTo], ["UNKNOWN_MESSAGE", "x1"]);
    assert.deepEqual(
      (await layer().listFavorites?.("cleo"))?.map((m) => m.id),
      [cleoMessage.id],
      "cleo's favorite is untouched",
    );

    cleo.send({ type: "favorite", id: "f2", messageId: reply.message.id, favorite: true });
    const notYours = await cleo.until("error");
    assert.deepEqual([notYours.code, notYours.replyTo], ["NOT_YOUR_MESSAGE", "f2"]);
    cleo.send({ type: "user_message", id: "m2", content: "still here" });
    assert.equal((await cleo.until("message_new")).message.content, "echo still here");
  });
}

onSqlLayers("favorites", favoritesOn);

/** The code a `favorite` frame gets on a gateway with `options`, and that a message after it is still answered. */
async function refusal(t: test.TestContext, options: Partial<GatewayOptions<object>>, user = "ada") {
  const server = await startGateway(t, { hooks: echoApp().seal(), ...options });
  const client = await connectClient(server, as(user));
  t.after(() => client.close());
  client.send({ type: "user_message", id: "m1", content: "hi" });
  await client.until("task_end");
  client.send({ type: "favorite", id: "f1", messageId: "m1", favorite: true });
  const error = await client.until("error");
  assert.equal(error.replyTo, "f1");
  client.send({ type: "user_message", id: "m2", content: "again" });
  assert.equal((await client.until("message_new")).message.content, "echo again", "the session goes on");
  return error.code;
}

test("favorites off, no user, no data layer, or a layer without listFavorites: each refused with its code", async (t) => {
  assert.equal(await refusal(t, { data: createMemoryLayer(), favorites: false }), "FAVORITES_DISABLED");
  assert.equal(await refusal(t, { hooks: echoApp(true).seal(), data: createMemoryLayer() }), "SIGN_IN_REQUIRED");
  assert.equal(await refusal(t, {}), "FAVORITES_DISABLED");
  const { listFavorites: _unlisted, ...embedders } = createMemoryLayer();
  assert.equal(await refusal(t, { data: embedders }), "FAVORITES_DISABLED");
});

test("chatwire/client: favorite() shows the star at once, resolves with the list, and rejects a refusal", async (t) => {
  const server = await startGateway(t, { hooks: echoApp().seal(), data: createMemoryLayer() });
  const chat = connect(wsUrl(server), as("ada"));
  t.after(() => chat.close());
  const answered = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("never answered")), 5000);
    const off = chat.subscribe(() => {
      const snapshot = chat.getSnapshot();
      if (snapshot.busy || snapshot.messages.at(-1)?.content !== "echo a favorite") return;
      clearTimeout(timer);
      off();
      resolve();
    });
  });
  const sent = chat.send("a favorite");
  await answered;
  const marking = chat.favorite(sent);
  assert.equal(chat.getSnapshot().messages.find((m) => m.id === sent)?.favorite, true, "shown before the answer");
  const list = await marking;
  assert.deepEqual(
    list.map((m) => m.content),
    ["a favorite"],
  );
  assert.equal(chat.getSnapshot().favorites, list);
  const reply = chat.getSnapshot().messages.at(-1)?.id ?? "";
  await assert.rejects(
    chat.favorite(reply),
    (error) => error instanceof ChatwireClientError && error.code === "NOT_YOUR_MESSAGE",
  );
  assert.equal(chat.getSnapshot().messages.at(-1)?.favorite, undefined, "a refused star is taken back");
  assert.deepEqual(
    (await chat.favorite(sent, false)).map((m) => m.content),
    [],
  );
  assert.equal(chat.getSnapshot().messages.find((m) => m.id === sent)?.favorite, undefined);
});
