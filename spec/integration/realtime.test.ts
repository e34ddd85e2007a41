// demo/realtime.ts, the documented bridge to a realtime speech-to-speech model, run as `chatwire run` runs it (the
// built package, the official `openai` SDK) against a local fake of the Realtime API's WebSocket: the user's audio
// reaches the model byte for byte, the model's speech reaches the client in order with its transcript, and talking
// over it (a new recording, or the model hearing the user) interrupts the client and cancels the model's reply.
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodeAudioChunk } from "chatwire/protocol";
import { connectClient, type TestClient } from "chatwire/testing";
import { type FakeRealtime, speak, startFakeRealtime } from "../support/fake-realtime.ts";
import { eventually } from "../support/gateway.ts";
import { startGatewayProcess } from "../support/process.ts";

/** `samples` of PCM16, each sample `value` plus its index: bytes that show order and identity. */
const pcm = (samples: number, value: number) =>
  new Uint8Array(Int16Array.from({ length: samples }, (_, i) => value + i).buffer);
const joined = (chunks: readonly Uint8Array[]) => Buffer.concat(chunks.map((chunk) => Buffer.from(chunk)));
const WAIT = 15_000; // a child process on a loaded machine

/** One push-to-talk turn: audio_start (accepted), the chunks as binary frames, audio_end. */
async function say(client: TestClient, id: string, chunks: readonly Uint8Array[]): Promise<void> {
  const accepted = client.received.filter((frame) => frame.type === "audio_state" && frame.connected).length;
  client.send({ type: "audio_start", id, mimeType: "audio/pcm" });
  await eventually(
    () => client.received.filter((frame) => frame.type === "audio_state" && frame.connected).length > accepted,
    WAIT,
  );
  for (const [i, chunk] of chunks.entries()) client.send(encodeAudioChunk(i * 0.1, chunk));
  client.send({ type: "audio_end", id: `${id}-end` });
}

const eventsOf = (fake: FakeRealtime, type: string) => fake.events.filter((event) => event.type === type);
const transcripts = (client: TestClient) =>
  client.received.flatMap((frame) =>
    frame.type === "message_new" || frame.type === "message_update" ? [frame.message.content] : [],
  );

test("demo/realtime.ts: audio to the model and its speech and transcript back; barge-in cancels the reply", async (t) => {
  const fake = await startFakeRealtime(t);
  const app = await startGatewayProcess(t, "demo/realtime.ts", {
    env: {
      OPENAI_API_KEY: "sk-fake",
      OPENAI_BASE_URL: fake.baseURL,
      OPENAI_REALTIME_MODEL: "gpt-realtime-fake",
      NODE_EXTRA_CA_CERTS: fake.certificate,
    },
  });
  const client = await connectClient(`ws://127.0.0.1:${app.port}/ws`);

  // A turn: the user's chunks reach the model as they were; the model's chunks reach the client as they were.
  const spoken = [pcm(480, 100), pcm(480, 2000), pcm(240, 30000)];
  const answer = [pcm(2400, 1), pcm(2400, 5000), pcm(1200, 9000)];
  fake.onResponse = (send) => speak(send, answer, ["Hello", " there", "."]);
  await say(client, "a1", spoken);
  await eventually(() => eventsOf(fake, "response.create").length === 1, WAIT);
  assert.equal(fake.connections.length, 1);
  assert.deepEqual(fake.connections[0], {
    url: "/v1/realtime?model=gpt-realtime-fake",
    authorization: "Bearer sk-fake",
  });
  const update = fake.events[0] ?? { type: "none" };
  assert.equal(update.type, "session.update", "the session is configured first");
  assert.deepEqual((update.session as { audio: unknown }).audio, {
    input: { format: { type: "audio/pcm", rate: 24000 }, turn_detection: null },
    output: { format: { type: "audio/pcm", rate: 24000 } },
  });
  assert.deepEqual(
    fake.events.map((event) => event.type),
    [
      "session.update",
      ...spoken.map(() => "input_audio_buffer.append"),
      "input_audio_buffer.commit",
      "response.create",
    ],
  );
  const appended = eventsOf(fake, "input_audio_buffer.append").map((event) =>
    Buffer.from(String(event.audio), "base64"),
  );
  assert.deepEqual(joined(appended), joined(spoken), "the model got the user's bytes");

  await eventually(() => client.audio.length === answer.length, WAIT);
  assert.deepEqual(
    client.audio.map((chunk) => Buffer.from(chunk.data)),
    answer.map((chunk) => Buffer.from(chunk)),
    "the client got the model's chunks, in order",
  );
  assert.ok(client.audio.every((chunk) => chunk.track === "assistant"));
  const output = client.received.find((frame) => frame.type === "audio_output");
  assert.deepEqual(output?.type === "audio_output" && [output.mimeType, output.sampleRate], ["audio/pcm", 24000]);
  await eventually(() => transcripts(client).at(-1) === "Hello there.", WAIT);
  assert.deepEqual(
    transcripts(client),
    ["Hello", "Hello there", "Hello there.", "Hello there."],
    "one message, growing",
  );

  // Barge-in: the reply is still coming (4 s of audio sent, no response.done) when the user speaks again.
  const long = [pcm(24000, 1), pcm(24000, 2), pcm(24000, 3), pcm(24000, 4)];
  fake.onResponse = (send) => speak(send, long, ["This", " is", " a long", " one"], true);
  await say(client, "a2", [pcm(480, 7)]);
  await eventually(() => client.audio.length === answer.length + long.length, WAIT);
  client.send({ type: "audio_start", id: "a3", mimeType: "audio/pcm" });
  const interrupt = await client.until("audio_interrupt", WAIT);
  assert.equal(interrupt.reason, "barge_in", "chatwire stopped the client's playback at once");
  await eventually(() => eventsOf(fake, "response.cancel").length === 1, WAIT);
  fake.onResponse = (send) => speak(send, [pcm(480, 42)], ["Yes?"]);
  client.send(encodeAudioChunk(0, pcm(480, 8)));
  client.send({ type: "audio_end", id: "a3-end" });
  await eventually(() => transcripts(client).at(-1) === "Yes?", WAIT);
  await eventually(() => client.audio.length === answer.length + long.length + 1, WAIT);
  assert.deepEqual(Buffer.from(client.audio.at(-1)?.data ?? []), Buffer.from(pcm(480, 42)), "the next reply plays");
  assert.equal(fake.connections.length, 1, "one connection per session, reused");

  // The model hears the user first (its voice detection): the demo interrupts the client and cancels the reply.
  fake.onResponse = (send) => speak(send, long, ["Again"], true);
  await say(client, "a4", [pcm(480, 9)]);
  await eventually(() => eventsOf(fake, "response.create").length === 4, WAIT);
  const interrupts = client.received.filter((frame) => frame.type === "audio_interrupt").length;
  fake.send({ type: "input_audio_buffer.speech_started", audio_start_ms: 0, item_id: "item_user" });
  await eventually(() => client.received.filter((frame) => frame.type === "audio_interrupt").length > interrupts, WAIT);
  const byApp = client.received.filter((frame) => frame.type === "audio_interrupt").at(-1);
  assert.equal(byApp?.type === "audio_interrupt" && byApp.reason, "app");
  await eventually(() => eventsOf(fake, "response.cancel").length === 2, WAIT);

  // The session ends: the demo closes its connection to the model.
  await client.close();
  await eventually(() => fake.closed === 1, WAIT);
});
