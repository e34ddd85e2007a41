// The events a ChatClient emits (`client.on(name, listener)`): sessions coming and going, every frame, output audio,
// and tasks matched to the requests that started them.
import type { ServerFrame, ServerFrameOf } from "../protocol/index.ts";
import type { AudioChunkEvent, AudioInterruptEvent } from "./audio-output.ts";
import type { Closed, Offline, SessionStart } from "./connection.ts";

/** A new session (`connected`, `reopened`): how it came to be. */
export interface SessionEvent {
  readonly welcome: ServerFrameOf<"welcome">;
  /** An earlier session was lost (it could not be resumed): `lost` says why. */
  readonly replaced: boolean;
  readonly lost?: SessionStart["lost"];
  /** Frames sent while offline for the lost session, dropped rather than sent to the new one. */
  readonly dropped: number;
}

/** The client's events. */
export interface ClientEvents {
  /** A new session: the first, one started by `open()`, or one replacing a session that could not be resumed. */
  connected: SessionEvent;
  /** The same live session after a dropped connection: every frame missed was replayed, nothing was lost. */
  resumed: { readonly welcome: ServerFrameOf<"welcome"> };
  /** A new session on a stored thread: `open(thread)`, or the fallback after `resume_failed` (history follows). */
  reopened: SessionEvent;
  /** The connection dropped; the client reconnects by itself in `retryInMs`. */
  offline: Offline;
  /** Over for good: `close()`, or a close retrying cannot help (4401 not authenticated, 1002 protocol, 4404 unknown
   * chat profile). */
  closed: Closed;
  /** Every server frame, typed, once each and in order (before the snapshot's listeners are told). */
  frame: ServerFrame;
  /** A chunk of output audio to play (`ctx.audio.send`); `createAudioPlayer` plays them in browsers. */
  audio: AudioChunkEvent;
  /** Stop playback: `audio_interrupt` from the server, or the client's own barge-in (`startAudio`), at once. */
  audioInterrupt: AudioInterruptEvent;
  /** A task started or ended (after its frame event); `request` is the id `send` or `callAction` returned for the
   * message or call it runs (none for onChatStart and onChatResume). */
  task: TaskEvent;
}

/** A task of the session (task_start, task_end), matched to the request that started it. */
export interface TaskEvent {
  readonly taskId: string;
  readonly state: "started" | "ended";
  readonly request?: string;
}
