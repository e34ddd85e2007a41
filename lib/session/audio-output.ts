// A session's output audio: chunks written straight to the socket as binary frames (never numbered, never kept for
// replay: stale audio is worth nothing), each track announced by an `audio_output` frame, a byte budget past which
// chunks are dropped rather than queued, and barge-in: a user who starts speaking over the output stops it.
import { type AudioOut, type AudioSendOptions, checkAudio } from "../context/audio.ts";
import { ChatwireError } from "../errors.ts";
import { encodeAudioOutput } from "../protocol/binary.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { Outbox } from "./outbox.ts";
import type { FrameSink } from "./sink.ts";

/** What output audio needs of its session. */
export interface AudioOutputHost {
  /** Whether the session is over: sending then throws SESSION_CLOSED, as every send does. */
  readonly closed: boolean;
  notify(frame: OutgoingFrame): void;
}

/** An encoded chunk's playing time is unknown: it counts as playing this long after it was sent. */
const ENCODED_PLAY_MS = 1000;

/** One output track: its format, the sink it was announced to, when its audio should finish playing. */
interface Track {
  readonly mimeType: string;
  readonly sampleRate: number | undefined;
  announcedTo: FrameSink | undefined;
  playsUntil: number;
  /** In a run of dropped chunks: its notice was sent. */
  dropping: boolean;
}

/** One session's output audio; `ctx.audio` of every context of the session. */
export class AudioOutput implements AudioOut {
  /** Made at the first send: most sessions never speak. */
  #tracks: Map<string, Track> | undefined;
  /** Set by a barge-in until the user's recording ends: chunks are refused, so a speech loop stops. */
  #muted = false;

  private readonly host: AudioOutputHost;
  private readonly outbox: Outbox;
  private readonly maxBufferedBytes: number;

  constructor(host: AudioOutputHost, outbox: Outbox, maxBufferedBytes: number) {
    this.host = host;
    this.outbox = outbox;
    this.maxBufferedBytes = maxBufferedBytes;
  }

  send(data: Uint8Array | ArrayBufferView, options: AudioSendOptions = {}): boolean {
    const audio = checkAudio(data, options, this.maxBufferedBytes);
    if (this.host.closed) throw new ChatwireError("SESSION_CLOSED", "the session has ended: audio was not sent");
    this.#tracks ??= new Map();
    let track = this.#tracks.get(audio.track);
    if (track === undefined || track.mimeType !== audio.mimeType || track.sampleRate !== audio.sampleRate) {
      const { mimeType, sampleRate } = audio;
      track = { mimeType, sampleRate, announcedTo: undefined, playsUntil: 0, dropping: false };
      this.#tracks.set(audio.track, track);
    }
    if (this.#muted) return false;
    const sink = this.outbox.sink;
    if (sink === undefined) return this.#drop(audio.track, track, "detached");
    if (track.announcedTo !== sink) {
      track.announcedTo = sink;
      const { mimeType, sampleRate } = track;
      this.host.notify({ type: "audio_output", track: audio.track, mimeType, ...(sampleRate ? { sampleRate } : {}) });
    }
    // Behind text frames (the outbox holds some) or past the budget: dropped, never queued. Audio that arrives
    // seconds late is worse than a gap, and a queue of it is memory a slow client makes us hold.
    const bytes = audio.data.byteLength;
    if (this.outbox.pendingBytes > 0 || sink.bufferedAmount + bytes > this.maxBufferedBytes)
      return this.#drop(audio.track, track, "slow_client");
    if (sink.sendBinary === undefined) return this.#drop(audio.track, track, "slow_client");
    sink.sendBinary(encodeAudioOutput(audio.track, audio.data));
    track.dropping = false;
    const now = performance.now();
    const playMs = audio.pcm ? (bytes / 2 / (audio.sampleRate as number)) * 1000 : ENCODED_PLAY_MS;
    track.playsUntil = audio.pcm ? Math.max(now, track.playsUntil) + playMs : now + playMs;
    return true;
  }

  interrupt(track?: string): void {
    if (this.host.closed) throw new ChatwireError("SESSION_CLOSED", "the session has ended: nothing plays");
    this.#silence(track);
    this.host.notify({ type: "audio_interrupt", ...(track === undefined ? {} : { track }), reason: "app" });
  }

  /** The user started recording: if output is (estimated to be) playing, interrupt it and refuse chunks until the
   * recording ends. Returns whether it did. */
  bargeIn(): boolean {
    const now = performance.now();
    let playing = false;
    for (const track of this.#tracks?.values() ?? []) if (track.playsUntil > now) playing = true;
    if (!playing) return false;
    this.#muted = true;
    this.#silence(undefined);
    this.host.notify({ type: "audio_interrupt", reason: "barge_in" });
    return true;
  }

  /** The user's recording ended (or was refused): output may play again. */
  recordingEnded(): void {
    this.#muted = false;
  }

  #silence(id: string | undefined): void {
    for (const [trackId, track] of this.#tracks ?? []) if (id === undefined || id === trackId) track.playsUntil = 0;
  }

  #drop(id: string, track: Track, reason: "slow_client" | "detached"): false {
    if (!track.dropping) {
      track.dropping = true;
      this.host.notify({ type: "audio_dropped", track: id, reason });
    }
    return false;
  }
}
