// The DataLayer contract: the same cases for every implementation (layers.test.ts runs them on memory, SQLite and
// PostgreSQL). Each case gets a fresh, migrated, empty layer from `make`.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import type { DataLayer, DataWrite } from "../../lib/data/layer.ts";
import type { MessageView, StepView } from "../../lib/protocol/views.ts";

/** A message as the gateway would emit it. */
export const message = (id: string, content: string, extra: Partial<MessageView> = {}): MessageView => ({
  id,
  role: "assistant",
  author: "Assistant",
  content,
  createdAt: "2024-05-01T10:00:00.000Z",
  actions: [],
  ...extra,
});

/** A step as the gateway would emit it. */
export const step = (id: string, extra: Partial<StepView> = {}): StepView => ({
  id,
  name: "search",
  type: "tool",
  start: "2024-05-01T10:00:01.000Z",
  ...extra,
});

/** Registers every contract case; `make` returns a new empty layer (not yet migrated). */
export function dataLayerContract(make: () => Promise<DataLayer>): void {
  const open = async (t: TestContext): Promise<DataLayer> => {
    const layer = await make();
    t.after(() => layer.close());
    await layer.migrate();
    return layer;
  };
  const apply = (layer: DataLayer, ...writes: DataWrite[]) => layer.apply(writes);

  test("migrate twice leaves a working schema", async (t) => {
    const layer = await open(t);
    await layer.migrate();
    await layer.createThread({ id: "t1" });
    assert.equal((await layer.getThread("t1"))?.id, "t1");
  });

  test("upsertUser keeps the id and updates display name and metadata", async (t) => {
    const layer = await open(t);
    const first = await layer.upsertUser({ identifier: "ada", displayName: "Ada" });
    const second = await layer.upsertUser({ identifier: "ada", displayName: "Ada L.", metadata: { role: "admin" } });
    assert.equal(second.id, first.id);
    assert.equal(second.displayName, "Ada L.");
    assert.deepEqual(second.metadata, { role: "admin" });
    assert.deepEqual(await layer.getUser("ada"), second);
    assert.equal(await layer.getUser("nobody"), undefined);
  });

  test("createThread stores owner, tags and metadata; a second create with the same id changes nothing", async (t) => {
    const layer = await open(t);
    const ada = await layer.upsertUser({ identifier: "ada" });
    const created = await layer.createThread({ id: "t1", userId: ada.id, tags: ["x"], metadata: { n: 1 } });
    assert.equal(created.userId, ada.id);
    assert.equal(created.userIdentifier, "ada");
    assert.deepEqual(created.tags, ["x"]);
    assert.deepEqual(created.metadata, { n: 1 });
    assert.ok(!Number.isNaN(Date.parse(created.createdAt)));
    const again = await layer.createThread({ id: "t1", name: "other", tags: [] });
    assert.deepEqual(again, created);
  });

  test("a thread write with an owner upserts the user in the same transaction and links the thread", async (t) => {
    const layer = await open(t);
    const owner = { identifier: "ada", displayName: "Ada" };
    await apply(layer, { kind: "thread", thread: { id: "t1" }, owner });
    await apply(layer, { kind: "thread", thread: { id: "t2" }, owner });
    const ada = await layer.getUser("ada");
    assert.equal((await layer.getThread("t1"))?.userId, ada?.id);
    assert.equal((await layer.getThread("t2"))?.userIdentifier, "ada");
    const page = await layer.listThreads({ userId: ada?.id ?? "" });
    assert.deepEqual(
      page.threads.map((thread) => thread.id),
      ["t2", "t1"],
    );
  });

  test("thread_patch changes a thread inside a batch and ignores a missing one", async (t) => {
    const layer = await open(t);
    await apply(
      layer,
      { kind: "thread", thread: { id: "t1" } },
      { kind: "thread_patch", threadId: "t1", patch: { metadata: { session: { turns: 3 } }, tags: ["kept"] } },
      { kind: "thread_patch", threadId: "missing", patch: { name: "nobody" } },
    );
    const thread = await layer.getThread("t1");
    assert.deepEqual(thread?.metadata, { session: { turns: 3 } });
    assert.deepEqual(thread?.tags, ["kept"]);
    assert.equal(await layer.getThread("missing"), undefined);
  });

  test("thread_patch with metadataKeys changes only those keys: what another writer stored stays", async (t) => {
    const layer = await open(t);
    await apply(
      layer,
      { kind: "thread", thread: { id: "t1", metadata: { a: 1, b: { nested: [1, null] }, gone: true } } },
      // Another session's write, made after this one loaded the thread.
      {
        kind: "thread_patch",
        threadId: "t1",
        patch: { metadata: { a: 1, theirs: "x" }, metadataKeys: { set: { theirs: "x" }, unset: [] } },
      },
      {
        kind: "thread_patch",
        threadId: "t1",
        patch: { metadata: { a: 2 }, metadataKeys: { set: { a: 2, b: { other: null } }, unset: ["gone", "never"] } },
      },
      {
        kind: "thread_patch",
        threadId: "missing",
        patch: { metadata: {}, metadataKeys: { set: { a: 1 }, unset: [] } },
      },
    );
    assert.deepEqual((await layer.getThread("t1"))?.metadata, { a: 2, b: { other: null }, theirs: "x" });
    assert.equal(await layer.getThread("missing"), undefined);
  });

  test("a thread for an unknown user is refused", async (t) => {
    const layer = await open(t);
    await assert.rejects(layer.createThread({ id: "t1", userId: "ghost" }));
    assert.equal(await layer.getThread("t1"), undefined);
  });

  test("an anonymous thread keeps its secret hash in the record but not in the loaded thread", async (t) => {
    const layer = await open(t);
    await layer.createThread({ id: "anon", secretHash: "abc123" });
    assert.equal((await layer.getThread("anon"))?.secretHash, "abc123");
    const loaded = await layer.loadThread("anon");
    assert.ok(loaded !== undefined);
    assert.equal("secretHash" in loaded, false);
    assert.equal(loaded.userId, undefined);
  });

  test("loadThread returns messages and steps in the order they were first written, every field intact", async (t) => {
    const layer = await open(t);
    const ada = await layer.upsertUser({ identifier: "ada" });
    await layer.createThread({ id: "t1", userId: ada.id, name: "Trip", tags: ["travel"], metadata: { a: [1] } });
    const action = { id: "a1", name: "book", label: "Book it", payload: { city: "Oslo" }, messageId: "m2" };
    await apply(
      layer,
      { kind: "message", threadId: "t1", message: message("m1", "hello", { role: "user", author: "ada" }) },
      { kind: "step", threadId: "t1", step: step("s1", { input: "q", parentId: "m1" }) },
      { kind: "message", threadId: "t1", message: message("m2", "partial", { parentId: "s1", actions: [action] }) },
    );
    // Updating an earlier entry changes it in place; it does not move to the end.
    await apply(
      layer,
      { kind: "step", threadId: "t1", step: step("s1", { input: "q", parentId: "m1", output: "r", error: "boom" }) },
      { kind: "message", threadId: "t1", message: message("m2", "final", { parentId: "s1", actions: [action] }) },
      {
        kind: "step",
        threadId: "t1",
        step: step("s1", { input: "q", parentId: "m1", output: "r", end: "2024-05-01T10:00:02.000Z" }),
      },
    );
    const thread = await layer.loadThread("t1");
    assert.ok(thread !== undefined);
    assert.equal(thread.name, "Trip");
    assert.equal(thread.userIdentifier, "ada");
    assert.deepEqual(thread.tags, ["travel"]);
    assert.deepEqual(thread.metadata, { a: [1] });
    assert.deepEqual(thread.steps, [
      { kind: "message", ...message("m1", "hello", { role: "user", author: "ada" }) },
      {
        kind: "step",
        ...step("s1", { input: "q", parentId: "m1", output: "r", end: "2024-05-01T10:00:02.000Z" }),
      },
      { kind: "message", ...message("m2", "final", { parentId: "s1", actions: [action] }) },
    ]);
    assert.deepEqual(thread.elements, []);
  });

  test("apply is all or nothing: a failing write rolls back the whole batch", async (t) => {
    const layer = await open(t);
    await layer.createThread({ id: "t1" });
    await assert.rejects(
      apply(
        layer,
        { kind: "message", threadId: "t1", message: message("m1", "kept?") },
        { kind: "message", threadId: "missing", message: message("m2", "no thread") },
      ),
    );
    assert.deepEqual((await layer.loadThread("t1"))?.steps, []);
  });

  test("a message id already used in another thread is refused", async (t) => {
    const layer = await open(t);
    await layer.createThread({ id: "t1" });
    await layer.createThread({ id: "t2" });
    await apply(layer, { kind: "message", threadId: "t1", message: message("m1", "mine") });
    await assert.rejects(apply(layer, { kind: "message", threadId: "t2", message: message("m1", "stolen") }));
    const [first] = (await layer.loadThread("t1"))?.steps ?? [];
    assert.equal(first?.kind === "message" ? first.content : undefined, "mine");
  });

  test("feedback is one per message: the latest write wins whatever its id, deleted by message, refused for a missing message", async (t) => {
    const layer = await open(t);
    await layer.createThread({ id: "t1" });
    await apply(layer, { kind: "message", threadId: "t1", message: message("m1", "answer") });
    await apply(layer, { kind: "feedback", feedback: { id: "f1", forId: "m1", value: 1 } });
    await apply(layer, { kind: "feedback", feedback: { id: "f1", forId: "m1", value: 0, comment: "wrong city" } });
    let [entry] = (await layer.loadThread("t1"))?.steps ?? [];
    assert.deepEqual(entry?.feedback, { id: "f1", forId: "m1", value: 0, comment: "wrong city" });
    // Another session (a resume) once made its own id for the same message: it replaces the row, it adds none.
    await apply(layer, { kind: "feedback", feedback: { id: "f2", forId: "m1", value: 0 } });
    await apply(layer, { kind: "feedback", feedback: { id: "f1", forId: "m1", value: 1, comment: "right after all" } });
    [entry] = (await layer.loadThread("t1"))?.steps ?? [];
    assert.deepEqual(entry?.feedback, { id: "f1", forId: "m1", value: 1, comment: "right after all" });
    await apply(layer, { kind: "delete_feedback", forId: "m1" });
    [entry] = (await layer.loadThread("t1"))?.steps ?? [];
    assert.equal(entry?.feedback, undefined);
    await apply(layer, { kind: "delete_feedback", forId: "m1" }); // nothing left to delete: not an error
    await assert.rejects(apply(layer, { kind: "feedback", feedback: { id: "f2", forId: "nope", value: 1 } }));
  });

  /** Thread t1 with messages m1 and m2, and feedback f1 (thumbs up) on m1. */
  const twoMessagesRatedOnce = async (layer: DataLayer) => {
    await layer.createThread({ id: "t1" });
    await apply(
      layer,
      { kind: "message", threadId: "t1", message: message("m1", "a") },
      { kind: "message", threadId: "t1", message: message("m2", "b") },
      { kind: "feedback", feedback: { id: "f1", forId: "m1", value: 1 } },
    );
  };

  test("a feedback id already used for another message is refused", async (t) => {
    const layer = await open(t);
    await twoMessagesRatedOnce(layer);
    await assert.rejects(apply(layer, { kind: "feedback", feedback: { id: "f1", forId: "m2", value: 0 } }));
    const steps = (await layer.loadThread("t1"))?.steps ?? [];
    assert.deepEqual(
      steps.map((s) => s.feedback?.value),
      [1, undefined],
    );
  });

  test("deleting a message removes it and its feedback", async (t) => {
    const layer = await open(t);
    await twoMessagesRatedOnce(layer);
    await apply(layer, { kind: "delete_step", id: "m1" });
    const thread = await layer.loadThread("t1");
    assert.deepEqual(
      thread?.steps.map((s) => s.id),
      ["m2"],
    );
    // The feedback went with its message: its id is free for another message.
    await apply(layer, { kind: "feedback", feedback: { id: "f1", forId: "m2", value: 0 } });
    assert.equal((await layer.loadThread("t1"))?.steps[0]?.feedback?.value, 0);
  });

  test("default_name names a thread only when it has no name", async (t) => {
    const layer = await open(t);
    await layer.createThread({ id: "t1" });
    await layer.createThread({ id: "t2", name: "Chosen" });
    await apply(
      layer,
      { kind: "default_name", threadId: "t1", name: "first words" },
      { kind: "default_name", threadId: "t1", name: "second words" },
      { kind: "default_name", threadId: "t2", name: "first words" },
    );
    assert.equal((await layer.getThread("t1"))?.name, "first words");
    assert.equal((await layer.getThread("t2"))?.name, "Chosen");
  });

  test("listThreads pages a user's threads newest first and leaves out other users'", async (t) => {
    const layer = await open(t);
    const ada = await layer.upsertUser({ identifier: "ada" });
    const bob = await layer.upsertUser({ identifier: "bob" });
    for (const n of [1, 2, 3, 4, 5]) await layer.createThread({ id: `a${n}`, userId: ada.id, name: `Ada ${n}` });
    await layer.createThread({ id: "b1", userId: bob.id, name: "Ada 9" });
    await layer.createThread({ id: "anon", name: "Ada 8" });
    const ids: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await layer.listThreads({ userId: ada.id, limit: 2, ...(cursor ? { cursor } : {}) });
      ids.push(page.threads.map((thread) => thread.id));
      cursor = page.nextCursor;
    } while (cursor !== undefined && ids.length < 10);
    assert.deepEqual(ids, [["a5", "a4"], ["a3", "a2"], ["a1"]]);
  });

  test("listThreads searches names case-insensitively, with % and _ taken literally", async (t) => {
    const layer = await open(t);
    const ada = await layer.upsertUser({ identifier: "ada" });
    await layer.createThread({ id: "t1", userId: ada.id, name: "Trip to Oslo" });
    await layer.createThread({ id: "t2", userId: ada.id, name: "oslo weather" });
    await layer.createThread({ id: "t3", userId: ada.id, name: "100% done" });
    await layer.createThread({ id: "t4", userId: ada.id, name: "1000 done" });
    await layer.createThread({ id: "t5", userId: ada.id });
    const search = async (text: string) =>
      (await layer.listThreads({ userId: ada.id, search: text })).threads.map((thread) => thread.id);
    assert.deepEqual(await search("OSLO"), ["t2", "t1"]);
    assert.deepEqual(await search("0%"), ["t3"]);
    assert.deepEqual(await search("_"), []);
    assert.deepEqual(await search(""), ["t5", "t4", "t3", "t2", "t1"]);
  });

  test("updateThread changes only the given fields; a missing thread gives undefined", async (t) => {
    const layer = await open(t);
    await layer.createThread({ id: "t1", name: "Old", tags: ["a"], metadata: { keep: true } });
    const renamed = await layer.updateThread("t1", { name: "New" });
    assert.equal(renamed?.name, "New");
    assert.deepEqual(renamed?.tags, ["a"]);
    const retagged = await layer.updateThread("t1", { tags: ["b", "c"], metadata: { session: { turns: 2 } } });
    assert.equal(retagged?.name, "New");
    assert.deepEqual(retagged?.tags, ["b", "c"]);
    assert.deepEqual(retagged?.metadata, { session: { turns: 2 } });
    assert.equal(await layer.updateThread("missing", { name: "x" }), undefined);
  });

  test("deleteThread removes the thread with its history; a second delete reports false", async (t) => {
    const layer = await open(t);
    await layer.createThread({ id: "t1" });
    await apply(
      layer,
      { kind: "message", threadId: "t1", message: message("m1", "a") },
      { kind: "feedback", feedback: { id: "f1", forId: "m1", value: 1 } },
      { kind: "element", threadId: "t1", element: { id: "e1", name: "plot.png" } },
    );
    assert.equal(await layer.deleteThread("t1"), true);
    assert.equal(await layer.loadThread("t1"), undefined);
    assert.equal(await layer.deleteThread("t1"), false);
    // Its ids are free again: nothing of it is left behind.
    await layer.createThread({ id: "t2" });
    await apply(
      layer,
      { kind: "message", threadId: "t2", message: message("m1", "again") },
      { kind: "feedback", feedback: { id: "f1", forId: "m1", value: 0 } },
    );
    assert.equal((await layer.loadThread("t2"))?.steps.length, 1);
  });

  test("setThreadShare shares under one id, keeps it when shared again, and unsharing ends the link at once", async (t) => {
    const layer = await open(t);
    const ada = await layer.upsertUser({ identifier: "ada" });
    await layer.createThread({ id: "t1", userId: ada.id, name: "Trip" });
    await apply(layer, { kind: "message", threadId: "t1", message: message("m1", "hello") });
    assert.equal((await layer.getThread("t1"))?.shareId, undefined);
    assert.equal((await layer.setThreadShare("t1", "share-a"))?.shareId, "share-a");
    // A second share (another request at the same time) gets the first link, not a new one.
    assert.equal((await layer.setThreadShare("t1", "share-b"))?.shareId, "share-a");
    assert.equal(await layer.getSharedThread("share-b"), undefined);
    const shared = await layer.getSharedThread("share-a");
    assert.equal(shared?.id, "t1");
    assert.equal(shared?.userIdentifier, "ada");
    assert.deepEqual(
      shared?.steps.map((s) => s.id),
      ["m1"],
    );
    const unshared = await layer.setThreadShare("t1", null);
    assert.equal(unshared?.id, "t1");
    assert.equal(unshared?.shareId, undefined);
    assert.equal(await layer.getSharedThread("share-a"), undefined);
    assert.equal(await layer.setThreadShare("missing", "share-c"), undefined);
    assert.equal(await layer.getSharedThread("share-c"), undefined);
  });

  test("a share id names one thread; a deleted thread's link is gone; shared threads stay out of others' lists", async (t) => {
    const layer = await open(t);
    const ada = await layer.upsertUser({ identifier: "ada" });
    const bob = await layer.upsertUser({ identifier: "bob" });
    await layer.createThread({ id: "t1", userId: ada.id });
    await layer.createThread({ id: "t2", userId: ada.id });
    await layer.setThreadShare("t1", "share-a");
    await assert.rejects(layer.setThreadShare("t2", "share-a"));
    assert.equal((await layer.getThread("t2"))?.shareId, undefined);
    assert.deepEqual((await layer.listThreads({ userId: bob.id })).threads, []);
    assert.equal(await layer.deleteThread("t1"), true);
    assert.equal(await layer.getSharedThread("share-a"), undefined);
    // The id is free again once its thread is gone.
    assert.equal((await layer.setThreadShare("t2", "share-a"))?.shareId, "share-a");
  });

  test("a message's elements come back in the thread and on the message; deleting the message deletes them", async (t) => {
    const layer = await open(t);
    await layer.createThread({ id: "t1" });
    const chart = { id: "e1", name: "chart.png", url: "/files/chart.png", mime: "image/png", display: "side" } as const;
    await apply(
      layer,
      { kind: "message", threadId: "t1", message: message("m1", "see the chart") },
      { kind: "message", threadId: "t1", message: message("m2", "plain") },
      { kind: "element", threadId: "t1", element: { ...chart, forId: "m1" } },
    );
    const thread = await layer.loadThread("t1");
    assert.deepEqual(thread?.elements, [{ ...chart, forId: "m1" }]);
    assert.deepEqual(thread?.steps, [
      { kind: "message", ...message("m1", "see the chart"), elements: [chart] },
      { kind: "message", ...message("m2", "plain") },
    ]);
    await apply(layer, { kind: "delete_step", id: "m1" });
    assert.deepEqual((await layer.loadThread("t1"))?.elements, []);
  });

  test("a revoked token id stays revoked until its expiry; another id is not", async (t) => {
    const layer = await open(t);
    const now = Math.floor(Date.now() / 1000);
    await layer.revokeToken("jti-1", now + 3600);
    await layer.revokeToken("jti-old", now - 10);
    assert.equal(await layer.isTokenRevoked("jti-1", now), true);
    assert.equal(await layer.isTokenRevoked("jti-1", now + 3601), false, "past its expiry it no longer matters");
    assert.equal(await layer.isTokenRevoked("jti-2", now), false);
    assert.equal(await layer.isTokenRevoked("jti-old", now), false);
    await layer.revokeToken("jti-1", now + 60); // revoked twice: the later expiry is kept
    assert.equal(await layer.isTokenRevoked("jti-1", now + 1800), true);
  });

  test("elements keep their metadata and can be deleted", async (t) => {
    const layer = await open(t);
    await layer.createThread({ id: "t1" });
    const element = { id: "e1", name: "plot.png", mime: "image/png", url: "/files/e1", forId: "m1" };
    await apply(
      layer,
      { kind: "element", threadId: "t1", element },
      { kind: "element", threadId: "t1", element: { id: "e2", name: "notes.txt" } },
    );
    assert.deepEqual((await layer.loadThread("t1"))?.elements, [element, { id: "e2", name: "notes.txt" }]);
    await apply(layer, { kind: "delete_element", id: "e1" });
    assert.deepEqual((await layer.loadThread("t1"))?.elements, [{ id: "e2", name: "notes.txt" }]);
  });

  test("listFavorites: the user's marked user messages, newest first and bounded; not another's, the app's, nor deleted ones", async (t) => {
    const layer = await open(t);
    const createdAt = "2024-05-01T10:00:00.000Z";
    const said = (id: string, content: string) => message(id, content, { role: "user", author: "ada" });
    const marks = (threadId: string, chatwireFavorites: unknown): DataWrite => ({
      kind: "thread_patch",
      threadId,
      patch: { metadata: { chatwireFavorites } },
    });
    await apply(
      layer,
      { kind: "thread", thread: { id: "t1" }, owner: { identifier: "ada" } },
      { kind: "thread", thread: { id: "t2" }, owner: { identifier: "ada" } },
      { kind: "thread", thread: { id: "t3" }, owner: { identifier: "bob" } },
      { kind: "thread", thread: { id: "t4" }, owner: { identifier: "ada" } },
      { kind: "message", threadId: "t1", message: said("u1", "first") },
      { kind: "message", threadId: "t1", message: message("a1", "an answer") },
      { kind: "message", threadId: "t2", message: said("u2", "second") },
      { kind: "message", threadId: "t2", message: said("u3", "deleted") },
      { kind: "message", threadId: "t3", message: said("b1", "bob's") },
      marks("t1", ["u1", "a1", "missing"]),
      marks("t2", ["u2", "u3"]),
      marks("t3", ["b1", "u1"]), // bob's thread naming ada's message: not in that thread, so not bob's
      marks("t4", { u1: true }), // not a list: counts as none
      { kind: "delete_step", id: "u3" },
    );
    assert.deepEqual(await layer.listFavorites?.("ada"), [
      { id: "u2", content: "second", threadId: "t2", createdAt },
      { id: "u1", content: "first", threadId: "t1", createdAt },
    ]);
    assert.deepEqual(
      (await layer.listFavorites?.("ada", 1))?.map((f) => f.id),
      ["u2"],
    );
    assert.deepEqual(
      (await layer.listFavorites?.("bob"))?.map((f) => f.id),
      ["b1"],
    );
    assert.deepEqual(await layer.listFavorites?.("nobody"), []);
  });

  test("login counters: free attempts, doubling locks, all or nothing, refunds, forgetting and starting over", async (t) => {
    const layer = await open(t);
    const policy = { firstLockMs: 1000, maxLockMs: 4000, resetAfterMs: 60_000 };
    const user = { key: "user", freeAttempts: 2 };
    const address = { key: "address", freeAttempts: 4 };
    const both = [user, address];
    const charge = (charges: (typeof user)[], at: number) => layer.chargeLogin(charges, at, policy);
    const t0 = 1_000_000;
    assert.equal(await charge(both, t0), 0);
    assert.equal(await charge(both, t0 + 1), 0, "the second attempt is free; it locks the user");
    assert.equal(await charge(both, t0 + 2), t0 + 1001, "locked until then; nothing is charged");
    assert.equal(await charge([address], t0 + 3), 0);
    assert.equal(await charge([address], t0 + 4), 0, "the address's 4th attempt: the refused one did not count");
    assert.equal(await charge([address], t0 + 5), t0 + 1004);
    assert.equal(await charge(both, t0 + 1004), 0, "both locks are over");
    assert.equal(await charge(both, t0 + 1005), t0 + 3004, "one attempt beyond: twice the first lock");
    await layer.settleLogin(["user"], ["address"]);
    assert.equal(await charge([address], t0 + 1006), 0, "a refund unlocks the address");
    assert.equal(await charge([user], t0 + 1007), 0, "the user was forgotten: free again");
    assert.equal(await charge([address], t0 + 3006), 0);
    assert.equal(await charge([address], t0 + 7006), 0);
    assert.equal(await charge([address], t0 + 7007), t0 + 11_006, "at most maxLockMs");
    const later = t0 + 11_006 + 60_000;
    assert.equal(await charge(both, later), 0, "idle for resetAfterMs: both start over");
    assert.equal(await charge([address], later + 1), 0);
  });
}
