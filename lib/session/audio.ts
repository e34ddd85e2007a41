// A session's audio input: the recording's state machine (started, chunks counted against a byte budget, ended),
// with the audio hooks run on the event lane in arrival order.
import { ChatwireError } from "../errors.ts";
import { type HookSource, tableOf } from "../hooks/live-table.ts";
import type { InputAudioChunk } from "../hooks/payloads.ts";
import type { AudioEnd, AudioStart } from "../protocol/client.ts";
import type { AudioChunkCommand } from "./commands.ts";
import type { EventLane, LaneHost } from "./lanes.ts";

/** The recording in progress. */
interface Recording {
  readonly mimeType: string;
  chunks: number;
  bytes: number;
}

/** One session's audio: at most one recording at a time. Made at the session's first audio command. */
export class AudioInput<S extends object> {
  #recording: Recording | undefined;

  constructor(
    private readonly host: LaneHost<S>,
    private readonly events: EventLane<S>,
    private readonly hooks: HookSource<S>,
    private readonly maxBytes: number,
  ) {}

  /** The client started recording: `onAudioStart` may refuse it; `audio_state` tells the client which. */
  start(command: AudioStart): void {
    const { mimeType } = command;
    this.events.run("onAudioStart", command.id, async (ctx) => {
      this.#recording = { mimeType, chunks: 0, bytes: 0 };
      const accepted = (await tableOf(this.hooks).onAudioStart?.(ctx, { mimeType })) !== false;
      if (!accepted) this.#recording = undefined;
      this.host.notify({ type: "audio_state", connected: accepted });
    });
  }

  /** One chunk, for `onAudioChunk`. Past `maxBytes` the recording is stopped with AUDIO_TOO_LARGE. */
  chunk(command: AudioChunkCommand): void {
    this.events.run("onAudioChunk", undefined, async (ctx) => {
      const recording = this.#recording;
      if (recording === undefined) throw new ChatwireError("AUDIO_NOT_STARTED", "audio chunk without audio_start");
      recording.bytes += command.data.byteLength;
      if (recording.bytes > this.maxBytes) {
        this.#recording = undefined;
        this.host.notify({ type: "audio_state", connected: false });
        throw new ChatwireError("AUDIO_TOO_LARGE", `a recording is limited to ${this.maxBytes} bytes`);
      }
      const input: InputAudioChunk = {
        isStart: recording.chunks++ === 0,
        mimeType: recording.mimeType,
        elapsedTime: command.elapsedTime,
        data: command.data,
      };
      await tableOf(this.hooks).onAudioChunk?.(ctx, input);
    });
  }

  /** The client stopped recording: `audio_state` false, then `onAudioEnd`. */
  end(command: AudioEnd): void {
    this.events.run("onAudioEnd", command.id, async (ctx) => {
      if (this.#recording === undefined) throw new ChatwireError("AUDIO_NOT_STARTED", "audio_end without audio_start");
      this.#recording = undefined;
      this.host.notify({ type: "audio_state", connected: false });
      await tableOf(this.hooks).onAudioEnd?.(ctx);
    });
  }
}
