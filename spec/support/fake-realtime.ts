// A local fake of OpenAI's Realtime WebSocket (wss, as the SDK always connects): it takes the official SDK's
// connection, records every client event, says `session.created`, and answers `response.create` and
// `response.cancel` as the test scripts it. TLS with spec/fixtures/realtime-fake.crt (a self-signed certificate
// for 127.0.0.1): a child process trusts it with NODE_EXTRA_CA_CERTS.
import { readFileSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import type { TestContext } from "node:test";
import { WebSocketServer } from "ws";

/** A client event as the fake received it. */
export type RealtimeClientEvent = { readonly type: string } & Record<string, unknown>;

/** Sends a server event to the connected SDK. */
export type SendServerEvent = (event: { readonly type: string } & Record<string, unknown>) => void;

/** The running fake. */
export interface FakeRealtime {
  /** What to pass as OPENAI_BASE_URL. */
  readonly baseURL: string;
  /** The certificate to trust (NODE_EXTRA_CA_CERTS). */
  readonly certificate: string;
  /** Each connection's request path and Authorization header. */
  readonly connections: { readonly url: string; readonly authorization: string | undefined }[];
  /** How many connections the SDK closed. */
  closed: number;
  /** Every client event, in order. */
  readonly events: RealtimeClientEvent[];
  /** Answers a `response.create` (default: nothing). */
  onResponse: (send: SendServerEvent) => void;
  /** Sends a server event now, to the last connection. */
  send: SendServerEvent;
}

/** Starts the fake on 127.0.0.1 and an ephemeral port; closed when the test ends. */
export async function startFakeRealtime(t: TestContext): Promise<FakeRealtime> {
  const certificate = resolve("spec/fixtures/realtime-fake.crt");
  const server = createServer({
    cert: readFileSync(certificate),
    key: readFileSync("spec/fixtures/realtime-fake.key"),
  });
  const sockets = new WebSocketServer({ server });
  let last: SendServerEvent = () => {
    throw new Error("no connection yet");
  };
  const fake: FakeRealtime = {
    baseURL: "",
    certificate,
    connections: [],
    closed: 0,
    events: [],
    onResponse: () => undefined,
    send: (event) => last(event),
  };
  let ids = 0;
  sockets.on("connection", (socket, request) => {
    fake.connections.push({ url: request.url ?? "", authorization: request.headers.authorization });
    const send: SendServerEvent = (event) => socket.send(JSON.stringify({ event_id: `event_${++ids}`, ...event }));
    last = send;
    send({ type: "session.created", session: { type: "realtime", object: "realtime.session", id: "sess_fake" } });
    socket.on("close", () => fake.closed++);
    socket.on("message", (data) => {
      const event = JSON.parse(String(data)) as RealtimeClientEvent;
      fake.events.push(event);
      if (event.type === "response.create") fake.onResponse(send);
      if (event.type === "response.cancel")
        send({
          type: "response.done",
          response: { id: "resp_fake", object: "realtime.response", status: "cancelled" },
        });
    });
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  t.after(async () => {
    for (const socket of sockets.clients) socket.terminate();
    sockets.close();
    await new Promise((closed) => server.close(closed));
  });
  const { port } = server.address() as AddressInfo;
  return Object.assign(fake, { baseURL: `https://127.0.0.1:${port}/v1` });
}

/** A reply's events as the Realtime API sends them: `response.created`, one audio delta per chunk (base64 PCM16)
 * with a transcript delta beside each, and, unless `hold`, the transcript's and the response's ends. */
export function speak(send: SendServerEvent, chunks: readonly Uint8Array[], words: readonly string[], hold = false) {
  const at = { response_id: "resp_fake", item_id: "item_fake", output_index: 0, content_index: 0 };
  send({ type: "response.created", response: { id: "resp_fake", object: "realtime.response", status: "in_progress" } });
  chunks.forEach((chunk, i) => {
    send({ type: "response.output_audio.delta", ...at, delta: Buffer.from(chunk).toString("base64") });
    if (words[i] !== undefined) send({ type: "response.output_audio_transcript.delta", ...at, delta: words[i] });
  });
  if (hold) return;
  send({ type: "response.output_audio.done", ...at });
  send({ type: "response.output_audio_transcript.done", ...at, transcript: words.join("") });
  send({ type: "response.done", response: { id: "resp_fake", object: "realtime.response", status: "completed" } });
}
