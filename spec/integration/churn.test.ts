// Churn: 1,000 clients connect, chat and leave (half close, half drop); nothing stays behind.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createApp, type GatewayHandle } from "chatwire";
import { connectClient } from "chatwire/testing";
import { eventually, pause, startGateway } from "../support/gateway.ts";

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

const settle = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await pause(20);
  }
  return process.memoryUsage();
};

test("1,000 clients over ~30 s: every onChatStart has exactly one onChatEnd, no session left, memory back", async (t) => {
  const chat = createApp<{ turns: number }>();
  const started = new Set<string>();
  const ended = new Map<string, number>();
  chat.onChatStart((ctx) => {
    started.add(ctx.sessionId);
  });
  chat.onMessage(async (ctx, message) => {
    ctx.state.set("turns", (ctx.state.get("turns") ?? 0) + 1);
    await ctx.send({ content: `echo ${message.content}`, actions: [{ name: "noop" }] });
  });
  chat.onChatEnd((ctx) => {
    ended.set(ctx.sessionId, (ended.get(ctx.sessionId) ?? 0) + 1);
  });
  let gateway: GatewayHandle | undefined;
  const server = await startGateway(t, {
    hooks: chat.seal(),
    reconnectGraceMs: 100,
    onReady: (handle) => {
      gateway = handle;
    },
  });
  const total = 1000;
  const waves = 21; // the first wave warms up the code paths before the memory baseline is taken
  let baseline = await settle();
  // RSS is compared from the middle: the allocator keeps the peak of the busiest wave (higher on a loaded machine,
  // and on Node 24+), which is not a leak; a leak keeps growing through the second half's 500 sessions.
  let middle = baseline;
  for (let wave = 0; wave < waves; wave++) {
    if (wave === 1 || wave === 11) {
      await eventually(() => gateway?.sessionCount() === 0, 5000);
      if (wave === 1) baseline = await settle();
      else middle = await settle();
    }
    const began = Date.now();
    await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const client = await connectClient(server);
        for (let turn = 0; turn < 3; turn++) {
          client.send({ type: "user_message", id: `m${turn}`, content: `${wave}/${i}/${turn}` });
          await client.until("task_end", 5000);
        }
        if (i % 2 === 0) await client.close();
        else await client.drop();
      }),
    );
    await pause(Math.max(0, 1500 - (Date.now() - began))); // 20 measured waves of 50 over ~30 s
  }
  await eventually(() => ended.size === total + 50 && gateway?.sessionCount() === 0, 10_000);
  await pause(200);
  assert.equal(started.size, total + 50);
  assert.deepEqual([...new Set(ended.values())], [1], "onChatEnd exactly once per session");
  assert.deepEqual([...started].sort(), [...ended.keys()].sort());
  assert.equal(gateway?.sessionCount(), 0);
  const after = await settle();
  const heapGrowthMiB = (after.heapUsed - baseline.heapUsed) / 2 ** 20;
  const rssGrowthMiB = (after.rss - middle.rss) / 2 ** 20;
  assert.ok(heapGrowthMiB < 4, `heap grew ${heapGrowthMiB.toFixed(1)} MiB`);
  assert.ok(rssGrowthMiB < 32, `rss grew ${rssGrowthMiB.toFixed(1)} MiB over the last 500 sessions`);
  t.diagnostic(
    `heap +${heapGrowthMiB.toFixed(1)} MiB after ${total} sessions, rss +${rssGrowthMiB.toFixed(1)} MiB after the last 500`,
  );
});
