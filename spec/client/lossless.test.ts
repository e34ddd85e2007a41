// Lossless resume through chatwire/client: 10,000 streamed tokens, the TCP connection cut four times mid-stream
// while the app goes on producing; every token arrives exactly once, in order, with no frame seen twice.
import assert from "node:assert/strict";
import { test } from "node:test";
import { createApp } from "../../lib/hooks/registrars.ts";
import { client, eventually, lastReply, next, startChat, until } from "./support.ts";

const TOKENS = 10_000;
const DROPS_AT = [1500, 4000, 6500, 9000];

test("10,000 tokens across four hard drops: every token once, in order, and every frame once", async (t) => {
  const app = createApp();
  let starts = 0;
  app.onChatStart(() => {
    starts++;
  });
  const gates = DROPS_AT.map(() => {
    let resolve: () => void = () => undefined;
    const promise = new Promise<void>((done) => {
      resolve = done;
    });
    return { promise, resolve };
  });
  app.onMessage(async (ctx) => {
    const reply = await ctx.stream();
    for (let i = 1; i <= TOKENS; i++) {
      const drop = DROPS_AT.indexOf(i);
      if (drop >= 0) await gates[drop]?.promise; // the test cuts the socket here, then lets the app go on
      await reply.streamToken(`${i} `);
      if (i % 50 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await reply.endStream();
  });
  const { url, upgraded } = await startChat(t, app.seal(), { reconnectGraceMs: 30_000 });
  const chat = client(t, url);
  const seqs: number[] = [];
  let streamed = "";
  chat.on("frame", (frame) => {
    if (frame.seq > 0) seqs.push(frame.seq);
    if (frame.type === "stream_token") streamed += frame.token;
  });
  let resumes = 0;
  chat.on("resumed", () => resumes++);
  await next(chat, "connected");
  chat.send("stream");

  for (const [index, at] of DROPS_AT.entries()) {
    await eventually(() => (streamed.endsWith(` ${at - 1} `) ? true : undefined), `token ${at - 1}`, 20_000);
    const offline = next(chat, "offline");
    upgraded.at(-1)?.destroy(); // no close frame: a network failure
    await offline;
    gates[index]?.resolve(); // tokens produced now wait for the resume
    await next(chat, "resumed", 10_000);
  }

  const expected = Array.from({ length: TOKENS }, (_, i) => `${i + 1} `).join("");
  assert.equal(await until(chat, lastReply, "the end of the stream", 20_000), expected);
  assert.equal(streamed, expected, "the tokens, concatenated: none missing, none twice, in order");
  assert.deepEqual(
    seqs,
    seqs.map((_, i) => i + 1),
    "every session frame exactly once, in order",
  );
  assert.equal(resumes, DROPS_AT.length);
  assert.equal(upgraded.length, DROPS_AT.length + 1, "one socket per connection");
  assert.equal(starts, 1, "the same session throughout");
});
