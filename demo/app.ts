// The demo app: every hook of the seed, in the plain-registrar style. `npm start` serves it on 127.0.0.1:8000.
import { setTimeout as wait } from "node:timers/promises";
import {
  abortKind,
  actionCallback,
  authorRename,
  onAppShutdown,
  onAppStartup,
  onAudioChunk,
  onAudioEnd,
  onAudioStart,
  onChatEnd,
  onChatResume,
  onChatStart,
  onFeedback,
  onMessage,
  onStop,
  onWindowMessage,
} from "chatwire";

/** Waits `ms`, or less if `signal` aborts (then it resolves too). The abort listener goes when the timer fires:
 * one per token of `/stream 10000` would pile up on the task's signal. */
const sleep = (ms: number, signal: AbortSignal) => wait(ms, undefined, { signal }).catch(() => undefined);

let startedAt = "";

onAppStartup(() => {
  startedAt = new Date().toISOString();
});

onAppShutdown(() => {
  console.log(`demo app shutting down (up since ${startedAt})`);
});

onChatStart(async (ctx) => {
  ctx.state.set("turns", 0);
  const name = ctx.user?.displayName ?? ctx.user?.identifier;
  await ctx.send({
    content: name ? `Welcome back, ${name}!` : "Hello! Type anything, or try `/help`.",
    actions: [{ name: "help", label: "Show help", payload: {} }],
  });
});

onChatResume(async (ctx, thread) => {
  await ctx.send(`Welcome back to "${thread.name ?? thread.id}" (${thread.steps.length} earlier steps).`);
});

const help = [
  "**Commands**",
  "- `/stream N` streams N words (press stop to interrupt)",
  "- `/ask` asks you a question",
  "- `/choose` asks you to pick an action",
  "- `/step` runs nested steps",
  "- `/window` sends a message to the host page",
  "- anything else is echoed back",
].join("\n");

onMessage(async (ctx, message) => {
  const turns = Number(ctx.state.get("turns") ?? 0) + 1;
  ctx.state.set("turns", turns);
  const [command, arg] = message.content.trim().split(/\s+/, 2);
  switch (command) {
    case "/help":
      await ctx.send(help);
      return;
    case "/stream": {
      const words = Math.min(Number(arg ?? 50) || 50, 10_000);
      const reply = await ctx.stream();
      for (let i = 1; i <= words && !ctx.signal.aborted; i++) {
        await reply.streamToken(`word${i} `);
        await sleep(20, ctx.signal);
      }
      await reply.endStream();
      if (abortKind(ctx.signal) === "stop") await ctx.send("Stopped.");
      return;
    }
    case "/ask": {
      const name = await ctx.askText({ content: "What is your name?", timeoutMs: 60_000 });
      await ctx.send(`Nice to meet you, ${name}.`);
      return;
    }
    case "/choose": {
      const choice = await ctx.askAction({
        content: "Pick one",
        actions: [
          { name: "red", label: "Red" },
          { name: "blue", label: "Blue" },
        ],
      });
      await ctx.send(`You picked ${choice.label}.`);
      return;
    }
    case "/step":
      await ctx.step({ name: "Plan", type: "run", input: message.content }, async (plan) => {
        plan.output = await plan.step({ name: "Search", type: "tool", input: "chatwire" }, (search) => {
          search.output = "3 results";
          return "searched";
        });
      });
      await ctx.send("Done with the steps.");
      return;
    case "/window":
      await ctx.sendWindowMessage({ type: "status", turns });
      await ctx.send("Sent a window message to the host page.");
      return;
    default:
      await ctx.send({
        content: `echo: ${message.content}`,
        actions: [{ name: "approve", label: "Approve", payload: { turn: turns }, icon: "check" }],
      });
  }
});

actionCallback("help", async (ctx) => {
  await ctx.send(help);
});

actionCallback("approve", async (ctx, action) => {
  await ctx.send(`Approved turn ${String(action.payload.turn)}.`);
});

onStop(async (ctx) => {
  ctx.log.info({ sessionId: ctx.sessionId }, "user pressed stop");
});

onFeedback(async (ctx, feedback) => {
  await ctx.send(feedback.value === 1 ? "Thanks for the thumbs up!" : "Thanks, we'll do better.");
});

authorRename((author) => (author === "Assistant" ? "Demo bot" : author));

onWindowMessage(async (ctx, data) => {
  await ctx.send(`The host page says: ${JSON.stringify(data)}`);
});

onAudioStart((ctx) => {
  ctx.state.set("audioBytes", 0);
  return true;
});

onAudioChunk((ctx, chunk) => {
  ctx.state.set("audioBytes", Number(ctx.state.get("audioBytes") ?? 0) + chunk.data.byteLength);
});

onAudioEnd(async (ctx) => {
  await ctx.send(`Received ${String(ctx.state.get("audioBytes") ?? 0)} bytes of audio.`);
});

onChatEnd((ctx) => {
  ctx.log.info({ sessionId: ctx.sessionId, turns: ctx.state.get("turns"), why: abortKind(ctx.signal) }, "chat ended");
});
