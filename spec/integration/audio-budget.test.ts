// A client sending ~380 MiB of audio to a slow onAudioChunk: the chunks waiting for it are bounded in bytes at
// arrival (maxQueuedAudioBytes), the client gets AUDIO_TOO_LARGE, the recording ends with onAudioEnd, and the
// server's RSS grows by at most the budget plus a small constant. The server runs in its own process.
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeAudioChunk } from "chatwire/protocol";
import { connectClient } from "chatwire/testing";
import { startGatewayProcess } from "../support/process.ts";

const MiB = 1024 * 1024;
/** The default maxQueuedAudioBytes. */
const BUDGET = 8 * MiB;
/** What the server may take beyond the budget: frames in flight in ws, garbage not yet collected (V8 on Node 24/26
 * under load collects the dropped chunks later: 77-85 MiB seen), allocator slack. Unbounded, it would be ~380 MiB. */
const SLACK = 128 * MiB;

test("380 chunks of 1 MiB to a slow onAudioChunk: AUDIO_TOO_LARGE, onAudioEnd, RSS within budget + slack", async (t) => {
  const server = await startGatewayProcess(t, "spec/fixtures/slow-audio-app.ts");
  const client = await connectClient(`ws://127.0.0.1:${server.port}/ws`);
  t.after(() => client.close());
  client.send({ type: "audio_start", mimeType: "audio/webm" });
  assert.equal((await client.until("audio_state")).connected, true);
  const chunk = new Uint8Array(MiB - 16).fill(7);
  for (let i = 0; i < 380; i++) client.send(encodeAudioChunk(i / 10, chunk));
  const error = await client.until("error", 30_000);
  assert.equal(error.code, "AUDIO_TOO_LARGE");
  assert.equal((await client.until("audio_state", 30_000)).connected, false, "the recording ended");
  assert.equal((await client.until("message_new", 30_000)).message.content, "audio ended", "onAudioEnd ran");
  // Let the socket take the rest of the flood, then ask the server for its peak.
  await new Promise<void>((resolve) => {
    const wait = () => (client.socket.bufferedAmount === 0 ? resolve() : setTimeout(wait, 20));
    wait();
  });
  client.send({ type: "user_message", id: "m1", content: "peak?" });
  const peak = Number(/^peak (\d+)$/.exec((await client.until("message_new", 30_000)).message.content)?.[1]);
  const start = Number(/rss-start (\d+)/.exec(server.output())?.[1]);
  assert.ok(peak > 0 && start > 0, server.output());
  const growth = peak - start;
  console.log(`server RSS growth under the flood: ${(growth / MiB).toFixed(1)} MiB (budget ${BUDGET / MiB} MiB)`);
  assert.ok(growth < BUDGET + SLACK, `RSS grew ${(growth / MiB).toFixed(1)} MiB`);
  const errors = client.received.filter((frame) => frame.type === "error").map((frame) => frame.code);
  assert.deepEqual(errors, ["AUDIO_TOO_LARGE"], "one error, not one per dropped chunk");
});
