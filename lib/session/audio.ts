// A session's audio input: the recording's state machine (started, chunks counted against a byte budget, ended),
// with the audio hooks run on the event lane in arrival order.
import { ChatwireError } from "../errors.ts";
import { type HookSource, tableOf } from "../hooks/live-table.ts";
import type { InputAudioChunk } from "../hooks/payloads.ts";
import type { HookTable } from "../hooks/table.ts";
import type { AudioEnd, AudioStart } from "../protocol/client.ts";
import type { AudioChunkCommand } from "./commands.ts";
import type { EventLane } from "./event-lane.ts";
import type { LaneHost } from "./lane.ts";

/** The recording in progress. */
interface Recording {
  readonly mimeType: string;
  chunks: number;
  bytes: number;
}

/** One session's audio: at most one recording at a time. Made at the session's first audio command. */
export class AudioInput<S extends object> {
  #recording: Recording | undefined;
  /** Bytes of the chunks queued for onAudioChunk and not yet run: checked when a chunk arrives, not when it runs. */
  #queued = 0;
  /** The recording was cut off (too large): its remaining chunks and its audio_end are dropped quietly. */
  #cut = false;

  private readonly host: LaneHost<S>;
  private readonly events: EventLane<S>;
  private readonly source: HookSource<S>;
  private readonly maxBytes: number;
  private readonly maxQueuedBytes: number;
  private readonly output: { recordingEnded(): void };

  constructor(
    host: LaneHost<S>,
    events: EventLane<S>,
    source: HookSource<S>,
    maxBytes: number,
    maxQueuedBytes: number,
    output: { recordingEnded(): void },
  ) {
    this.host = host;
    this.events = events;
    this.source = source;
    this.maxBytes = maxBytes;
    this.maxQueuedBytes = maxQueuedBytes;
    this.output = output;
  }

  /** The current table: a reload may swap it between recordings' events. */
  private get hooks(): HookTable<S> {
    return tableOf(this.source);
  }

  /** The client started recording: `onAudioStart` may refuse it; `audio_state` tells the client which. */
  start(command: AudioStart, interrupted: boolean): void {
    const { mimeType } = command;
    this.#cut = false;
    this.events.run("onAudioStart", command.id, async (ctx) => {
      this.#recording = { mimeType, chunks: 0, bytes: 0 };
      const accepted = (await this.hooks.onAudioStart?.(ctx, { mimeType, interrupted })) !== false;
      if (accepted) this.host.notify({ type: "audio_state", connected: true });
      else this.#stopped();
    });
  }

  /** The recording is over (ended, refused, too large): the client is told, and output audio may play again. */
  #stopped(): void {
    this.#recording = undefined;
    this.output.recordingEnded();
    this.host.notify({ type: "audio_state", connected: false });
  }

  /**
   * One chunk, for `onAudioChunk`. More than `maxQueuedBytes` waiting for a slow onAudioChunk is checked on arrival:
   * the client gets AUDIO_TOO_LARGE at once, the chunk and the rest of the recording are dropped, and the recording
   * ends as if the client had ended it. Past `maxBytes` for the recording, it is stopped the same way when the
   * chunk's turn comes (later chunks get AUDIO_NOT_STARTED).
   */
  chunk(command: AudioChunkCommand): void {
    if (this.#cut) return;
    const bytes = command.data.byteLength;
    if (this.#queued + bytes > this.maxQueuedBytes) {
      this.#cut = true;
      this.host.emitError("AUDIO_TOO_LARGE", `more than ${this.maxQueuedBytes} bytes of audio wait for onAudioChunk`);
      this.#endRecording(undefined, true);
      return;
    }
    this.#queued += bytes;
    const queued = this.events.run("onAudioChunk", undefined, async (ctx) => {
      this.#queued -= bytes;
      const recording = this.#recording;
      if (recording === undefined) throw new ChatwireError("AUDIO_NOT_STARTED", "audio chunk without audio_start");
      recording.bytes += bytes;
      if (recording.bytes > this.maxBytes) {
        await this.#stop(ctx);
        throw new ChatwireError("AUDIO_TOO_LARGE", `a recording is limited to ${this.maxBytes} bytes`);
      }
      const input: InputAudioChunk = {
        isStart: recording.chunks++ === 0,
        mimeType: recording.mimeType,
        elapsedTime: command.elapsedTime,
        data: command.data,
      };
      await this.hooks.onAudioChunk?.(ctx, input);
    });
    if (!queued) this.#queued -= bytes;
  }

  /** The client stopped recording: `audio_state` false, then `onAudioEnd`. After a cut-off, nothing more. */
  end(command: AudioEnd): void {
    if (this.#cut) {
      this.#cut = false;
      return;
    }
    this.#endRecording(command.id, false);
  }

  #endRecording(replyTo: string | undefined, quiet: boolean): void {
    this.events.run("onAudioEnd", replyTo, async (ctx) => {
      if (this.#recording === undefined) {
        if (quiet) return;
        throw new ChatwireError("AUDIO_NOT_STARTED", "audio_end without audio_start");
      }
      await this.#stop(ctx);
    });
  }

  /** Ends the recording: `audio_state` false, then `onAudioEnd`. */
  async #stop(ctx: Parameters<NonNullable<HookTable<S>["onAudioEnd"]>>[0]): Promise<void> {
    this.#stopped();
    await this.hooks.onAudioEnd?.(ctx);
  }
}
