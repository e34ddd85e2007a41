// Type tests, checked by `tsc --noEmit` (npm test), never run: the `Session` a protocol adapter holds shows no
// internals and nothing mutable, and its commands are the protocol's client frames minus the handshake.
import type { SessionCommand } from "../../lib/session/commands.ts";
import type { Session } from "../../lib/session/session.ts";

declare const session: Session;

session.receive({ type: "user_message", id: "m1", content: "hi" });
session.receive({ type: "audio_chunk", elapsedTime: 0, data: new Uint8Array(1) });
// @ts-expect-error: the handshake is the adapter's business, not a command
session.receive({ type: "hello", protocol: 1 });
// @ts-expect-error: audio reaches the session as bytes, never base64
session.receive({ type: "audio_chunk", elapsedTime: 0, data: "AAAA" });
// @ts-expect-error: commands are checked like frames
session.receive({ type: "user_message", id: "m1" });

// @ts-expect-error: the outbox is the session's own
session.outbox;
// @ts-expect-error: so is the thread link
session.link;
// @ts-expect-error: and the context's parts (asks, actions, state)
session.parts;
// @ts-expect-error: the recording state lives in the session's audio input
session.audio;
// @ts-expect-error: as do the hooks
session.hooks;
// @ts-expect-error: and its limits
session.limits;
// @ts-expect-error: the ids of the thread's messages
session.ids;
// @ts-expect-error: an adapter cannot emit frames of its own through the session
session.emit({ type: "task_end", taskId: "t1" });
// @ts-expect-error: what the session shows is read-only
session.seq = 5;
// @ts-expect-error: what the session shows is read-only
session.ended = true;

const kinds: SessionCommand["type"][] = ["user_message", "action_call", "ask_reply", "feedback", "stop", "ack"];
void kinds;
