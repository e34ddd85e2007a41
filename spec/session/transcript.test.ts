// The transcript behind ctx.history() and message edits: order, the bound (oldest go first), deletes and edits.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { OutgoingFrame } from "../../lib/protocol/server.ts";
import { Transcript } from "../../lib/session/transcript.ts";

const at = "2026-12-07T00:00:00.000Z";
const sent = (id: string, content = id): OutgoingFrame => ({
  type: "message_new",
  message: { id, role: "assistant", author: "A", content, createdAt: at, actions: [] },
});
const ids = (t: Transcript) => t.messages().map((m) => m.id);

describe("Transcript", () => {
  it("keeps the newest `limit` messages in order, far past the limit", () => {
    const t = new Transcript(5);
    for (let i = 0; i < 1000; i++) t.record(sent(`m${i}`));
    assert.deepEqual(ids(t), ["m995", "m996", "m997", "m998", "m999"]);
    assert.equal(t.has("m994"), false);
    assert.equal(t.has("m995"), true);
  });

  it("forgets an evicted user message by its client id too", () => {
    const t = new Transcript(2);
    t.user({ id: "u1", role: "user", author: "U", content: "hi", createdAt: at }, "c1");
    assert.equal(t.userMessage("c1")?.id, "u1");
    t.record(sent("a1"));
    t.record(sent("a2"));
    assert.equal(t.userMessage("c1"), undefined);
    assert.equal(t.userMessage("u1"), undefined);
  });

  it("a client id used for several messages names the newest, also after the older ones go", () => {
    const t = new Transcript(3);
    t.user({ id: "u1", role: "user", author: "U", content: "one", createdAt: at }, "m1");
    t.user({ id: "u2", role: "user", author: "U", content: "two", createdAt: at }, "m1");
    t.record({ type: "message_delete", id: "u1" });
    assert.equal(t.userMessage("m1")?.id, "u2");
    t.record(sent("a1"));
    t.record(sent("a2"));
    t.record(sent("a3")); // u2 is the oldest live entry: it goes, and its client id with it
    assert.equal(t.userMessage("m1"), undefined);
    t.user({ id: "u3", role: "user", author: "U", content: "three", createdAt: at }, "m1");
    for (let i = 0; i < 10; i++) t.record(sent(`b${i}`, "x"));
    t.user({ id: "u4", role: "user", author: "U", content: "four", createdAt: at }, "m1");
    assert.equal(t.userMessage("m1")?.content, "four");
  });

  it("a deleted message leaves history and the order; the same id sent again comes last", () => {
    const t = new Transcript(3);
    for (const id of ["a", "b", "c"]) t.record(sent(id));
    t.record({ type: "message_delete", id: "a" });
    assert.deepEqual(ids(t), ["b", "c"]);
    t.record(sent("a", "again"));
    assert.deepEqual(ids(t), ["b", "c", "a"]);
    assert.deepEqual(t.after("b"), ["c", "a"]);
    t.record(sent("d"));
    assert.deepEqual(ids(t), ["c", "a", "d"]);
    assert.equal(t.messages()[1]?.content, "again");
  });

  it("stays bounded when messages are sent and deleted without ever reaching the limit", () => {
    const t = new Transcript(10);
    for (let i = 0; i < 5000; i++) {
      t.record(sent(`m${i}`));
      t.record({ type: "message_delete", id: `m${i}` });
    }
    t.record(sent("last"));
    assert.deepEqual(ids(t), ["last"]);
    assert.deepEqual(t.after("last"), []);
  });

  it("a seed listing an id twice keeps its first place with the later content", () => {
    const t = new Transcript();
    t.seed([
      { id: "x", role: "user", author: "U", content: "one", createdAt: at },
      { id: "y", role: "assistant", author: "A", content: "two", createdAt: at },
      { id: "x", role: "user", author: "U", content: "three", createdAt: at },
    ]);
    assert.deepEqual(
      t.messages().map((m) => `${m.id}:${m.content}`),
      ["x:three", "y:two"],
    );
  });

  it("steps are kept in order for after() but are not history; streams and edits change content", () => {
    const t = new Transcript();
    t.user({ id: "u", role: "user", author: "U", content: "q", createdAt: at }, "c");
    t.record({ type: "step", step: { id: "s", name: "tool", start: at } } as never);
    t.record({
      type: "stream_start",
      message: { id: "r", role: "assistant", author: "A", content: "", createdAt: at, actions: [] },
    });
    t.record({ type: "stream_token", id: "r", token: "ab" });
    t.record({ type: "stream_token", id: "r", token: "c" });
    assert.deepEqual(t.after("u"), ["s", "r"]);
    assert.deepEqual(ids(t), ["u", "r"]);
    assert.equal(t.messages()[1]?.content, "abc");
    t.edit("u", "q2");
    assert.equal(t.userMessage("c")?.content, "q2");
    assert.equal(t.userMessage("s"), undefined);
  });
});
