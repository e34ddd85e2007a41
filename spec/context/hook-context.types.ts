// Type tests, checked by `tsc --noEmit` (npm test), never run: each hook's context allows what works there and
// nothing else. Every `@ts-expect-error` must meet an error, so a context that grows an ask or a stream where it
// must not have one fails the build. Tasks get ChatContext; events and onChatEnd get EventContext.
import { type ChatContext, createApp, type EventContext, sendWindowMessage } from "../../lib/index.ts";
import { createFakeContext, createFakeEventContext } from "../../lib/testing/index.ts";

const chat = createApp<{ turns: number }>();

// Tasks may ask and stream.
chat.onChatStart(async (ctx) => {
  await ctx.askText("Your name?");
  await ctx.askAction({ content: "Pick", actions: [{ name: "a" }] });
  const reply = await ctx.stream();
  await reply.streamToken("hi");
  await reply.endStream();
});
chat.onChatResume(async (ctx) => {
  await ctx.askText("Go on?");
});
chat.onMessage(async (ctx) => {
  const sent = await ctx.send("draft");
  await sent.streamToken(" more"); // a task's message may become a stream
  await ctx.step({ name: "s" }, async (step) => {
    const nested = await step.send("inside");
    await nested.streamToken(".");
    await step.streamToken("output", { replace: true }); // and a task's step streams its output
  });
});
chat.actionCallback("go", async (ctx) => {
  await ctx.askText("Sure?");
});

// Events may send, update, step and post window messages…
chat.onFeedback(async (ctx, feedback) => {
  const note = await ctx.send(`thanks for ${feedback.value}`);
  await note.update({ content: "noted" });
  await note.remove();
  await ctx.step({ name: "log" }, async (step) => {
    step.output = "ok";
    await step.send("inside a step");
  });
  await ctx.sendWindowMessage({ rated: true });
  await sendWindowMessage(ctx, { rated: true });
  ctx.state.set("turns", 1);
});

// …but never ask or stream, on every event hook and onChatEnd.
chat.onFeedback(async (ctx) => {
  // @ts-expect-error: no askText on the event lane
  await ctx.askText("why?");
  // @ts-expect-error: no askAction on the event lane
  await ctx.askAction({ content: "why?", actions: [] });
  // @ts-expect-error: no stream on the event lane
  await ctx.stream();
  // @ts-expect-error: no messages sent mid-reply on the event lane: they steer tasks only
  await ctx.takeIncoming();
});
chat.onWindowMessage(async (ctx) => {
  // @ts-expect-error: no askText on the event lane
  await ctx.askText("why?");
  // @ts-expect-error: no stream on the event lane
  await ctx.stream();
});
chat.onAudioStart(async (ctx) => {
  // @ts-expect-error: no askText on the event lane
  await ctx.askText("why?");
  return true;
});
chat.onAudioChunk(async (ctx) => {
  // @ts-expect-error: no stream on the event lane
  await ctx.stream();
});
chat.onAudioEnd(async (ctx) => {
  // @ts-expect-error: no askAction on the event lane
  await ctx.askAction({ content: "Keep it?", actions: [] });
  await ctx.send("got it");
});
chat.onStop(async (ctx) => {
  // @ts-expect-error: no askText in onStop
  await ctx.askText("why?");
});
chat.onChatEnd(async (ctx) => {
  // @ts-expect-error: no askText once the conversation is over
  await ctx.askText("why?");
  // @ts-expect-error: no stream once the conversation is over
  await ctx.stream();
});

// A message sent from an event, or from a step there, cannot be turned into a stream either.
chat.onFeedback(async (ctx) => {
  const sent = await ctx.send("x");
  // @ts-expect-error: an event's message is not a stream
  await sent.streamToken("y");
  await ctx.step({ name: "s" }, async (step) => {
    const nested = await step.send("z");
    // @ts-expect-error: nor is a message sent from an event's step
    await nested.endStream();
    // @ts-expect-error: nor the step itself
    await step.streamToken("z");
  });
});

// A handler written for tasks does not fit an event hook; one written for events fits both.
const asksBack = async (ctx: ChatContext<{ turns: number }>) => {
  await ctx.askText("?");
};
const sendsOnly = async (ctx: EventContext<{ turns: number }>) => {
  await ctx.send("!");
};
// @ts-expect-error: a ChatContext handler as onStop
chat.onStop(asksBack);
chat.onMessage(sendsOnly);
chat.onAudioEnd(sendsOnly);

// The state is typed by the app's S in both kinds of context.
chat.onWindowMessage((ctx) => {
  // @ts-expect-error: turns is a number
  ctx.state.set("turns", "many");
});

// The fake contexts of chatwire/testing are typed the same way.
async function fakes() {
  const task = createFakeContext();
  await task.askText("ok in a task");
  const event = createFakeEventContext();
  await event.send("ok in an event");
  // @ts-expect-error: a fake event context cannot ask
  await event.askText("why?");
  // @ts-expect-error: nor answer asks
  event.answer({ content: "x" });
  await sendsOnly(createFakeEventContext<{ turns: number }>());
  await asksBack(createFakeContext<{ turns: number }>());
  // @ts-expect-error: a task handler needs a task's context
  await asksBack(createFakeEventContext<{ turns: number }>());
}
void fakes;
