// Token usage over real sockets: ctx.reportUsage sums per turn and per thread, the `usage` frame, the thread's sums
// stored in the data layer (memory and SQLite) and carried on when the thread is reopened. lib/session/usage.ts.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { createApp, createMemoryLayer, createSqliteLayer, type DataLayer } from "chatwire";
import { connectClient, createFakeContext, type TestClient } from "chatwire/testing";
import { CONVERSATION_METADATA_KEY } from "../../lib/data/layer.ts";
import { startGateway } from "../support/gateway.ts";

const layers: Record<string, (t: TestContext) => Promise<DataLayer>> = {
  memory: async () => createMemoryLayer(),
  sqlite: async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "chatwire-usage-"));
    const layer = createSqliteLayer({ path: join(dir, "chatwire.db") });
    t.after(async () => {
      await layer.close();
      rmSync(dir, { recursive: true, force: true });
    });
    return layer;
  },
};

/** An app whose every message costs two model calls: 10 in and 2 out, then 5 in and 1 out. */
function meteredApp() {
  const chat = createApp();
  chat.onMessage(async (ctx) => {
    await ctx.reportUsage({ inputTokens: 10, outputTokens: 2, model: "small" });
    await ctx.reportUsage({ inputTokens: 5, outputTokens: 1 });
    await ctx.send("done");
  });
  return chat.seal();
}

let ids = 0;
async function turn(client: TestClient) {
  client.send({ type: "user_message", id: `m${++ids}`, content: "hi" });
  const first = await client.until("usage");
  const second = await client.until("usage");
  await client.until("message_new");
  return [first, second];
}

for (const [name, open] of Object.entries(layers)) {
  test(`reportUsage sums per turn and per thread, sends usage frames, and stores the thread's sums (${name})`, async (t) => {
    const layer = await open(t);
    await layer.migrate();
    const server = await startGateway(t, { hooks: meteredApp(), data: layer });
    const address = server.server.address();
    const url = `ws://127.0.0.1:${typeof address === "object" && address !== null ? address.port : 0}/ws`;
    const client = await connectClient(url);
    const threadId = client.welcome?.threadId ?? "";
    const secret = client.welcome?.threadSecret;

    const [a, b] = await turn(client);
    assert.deepEqual(
      { reported: a?.reported, model: a?.model, turn: a?.turn, thread: a?.thread },
      {
        reported: { inputTokens: 10, outputTokens: 2 },
        model: "small",
        turn: { inputTokens: 10, outputTokens: 2 },
        thread: { inputTokens: 10, outputTokens: 2 },
      },
    );
    assert.equal(b?.model, undefined);
    assert.deepEqual(
      [b?.turn, b?.thread],
      [
        { inputTokens: 15, outputTokens: 3 },
        { inputTokens: 15, outputTokens: 3 },
      ],
    );
    // A new turn starts its sums at 0; the thread's go on.
    const [c] = await turn(client);
    assert.deepEqual(
      [c?.turn, c?.thread],
      [
        { inputTokens: 10, outputTokens: 2 },
        { inputTokens: 25, outputTokens: 5 },
      ],
    );

    const stored = async () => {
      const thread = await layer.loadThread(threadId);
      return (thread?.metadata[CONVERSATION_METADATA_KEY] as { usage?: unknown } | undefined)?.usage;
    };
    const deadline = Date.now() + 3000;
    while (JSON.stringify(await stored()) !== JSON.stringify({ inputTokens: 30, outputTokens: 6 })) {
      assert.ok(Date.now() < deadline, `stored: ${JSON.stringify(await stored())}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await client.close();

    // Reopened, the thread's sums go on from what was stored.
    const again = await connectClient(url, { hello: false });
    t.after(() => again.close());
    again.send({ type: "hello", protocol: 1, thread: { id: threadId, ...(secret === undefined ? {} : { secret }) } });
    assert.equal((await again.until("welcome")).threadId, threadId);
    const [d] = await turn(again);
    assert.deepEqual(
      [d?.turn, d?.thread],
      [
        { inputTokens: 10, outputTokens: 2 },
        { inputTokens: 40, outputTokens: 8 },
      ],
    );
  });
}

test("reportUsage refuses counts that are not whole numbers from 0, and a model name past 128 characters", async () => {
  const ctx = createFakeContext();
  for (const bad of [
    { inputTokens: -1, outputTokens: 0 },
    { inputTokens: 1.5, outputTokens: 0 },
    { inputTokens: 1, outputTokens: Number.NaN },
    { inputTokens: 1, outputTokens: 1, model: "m".repeat(129) },
  ]) {
    await assert.rejects(ctx.reportUsage(bad), RangeError);
  }
  await ctx.reportUsage({ inputTokens: 3, outputTokens: 4 });
  const [frame] = ctx.sentOf("usage");
  assert.deepEqual(frame?.thread, { inputTokens: 3, outputTokens: 4 });
});
