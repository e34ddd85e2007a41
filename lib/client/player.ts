// A small browser player for output audio: each track's chunks are scheduled back to back on a Web Audio
// AudioContext (PCM16 converted to float samples; encoded chunks decoded with decodeAudioData, each one whole), and
// stopped at once on an interrupt — the server's, or the client's own barge-in when it starts recording.
import type { AudioChunkEvent } from "./audio-output.ts";
import type { ChatClient } from "./client.ts";
import type { Unsubscribe } from "./emitter.ts";

/** The parts of an AudioBuffer the player uses. */
interface AudioBufferLike {
  readonly duration: number;
  getChannelData(channel: number): Float32Array;
}
interface SourceLike {
  buffer: AudioBufferLike | null;
  onended: (() => void) | null;
  connect(destination: unknown): unknown;
  start(when?: number): void;
  stop(): void;
}
/** The parts of an AudioContext the player uses (a browser's AudioContext fits). */
export interface AudioContextLike {
  readonly currentTime: number;
  readonly destination: unknown;
  readonly state: string;
  resume(): Promise<void>;
  createBuffer(channels: number, length: number, sampleRate: number): AudioBufferLike;
  createBufferSource(): SourceLike;
  decodeAudioData(data: ArrayBuffer): Promise<AudioBufferLike>;
}

/** A player of a client's output audio. */
export interface AudioPlayer {
  /** Whether audio is playing or scheduled now. */
  readonly speaking: boolean;
  /** Chunks scheduled, and samples among them that are not silent (a level meter, or a test, reads them). */
  readonly stats: { readonly chunks: number; readonly nonSilentSamples: number; readonly interrupts: number };
  /** Told when `speaking` changes. */
  onSpeaking(listener: (speaking: boolean) => void): Unsubscribe;
  /** Stops `track` (every track when absent) now. */
  stop(track?: string): void;
  /** Stops everything and unsubscribes from the client. */
  close(): void;
}

interface TrackState {
  nextTime: number;
  readonly sources: Set<SourceLike>;
  /** Bumped by a stop: an encoded chunk still being decoded is then not played. */
  generation: number;
  decoding: Promise<void>;
}

/**
 * Plays `client`'s output audio on `context` (default: a new AudioContext).
 * @example const player = createAudioPlayer(client); player.onSpeaking((on) => indicator.hidden = !on);
 */
export function createAudioPlayer(client: ChatClient, options: { context?: AudioContextLike } = {}): AudioPlayer {
  const Context = (globalThis as unknown as { AudioContext?: new () => AudioContextLike }).AudioContext;
  const context = options.context ?? (Context ? new Context() : undefined);
  if (context === undefined) throw new TypeError("no AudioContext here: pass options.context");
  const tracks = new Map<string, TrackState>();
  const listeners = new Set<(speaking: boolean) => void>();
  const stats = { chunks: 0, nonSilentSamples: 0, interrupts: 0 };
  let speaking = false;

  const update = () => {
    let now = false;
    for (const track of tracks.values()) if (track.sources.size > 0) now = true;
    if (now === speaking) return;
    speaking = now;
    for (const listener of [...listeners]) listener(now);
  };
  const trackOf = (id: string): TrackState => {
    let track = tracks.get(id);
    if (track === undefined) {
      track = { nextTime: 0, sources: new Set(), generation: 0, decoding: Promise.resolve() };
      tracks.set(id, track);
    }
    return track;
  };
  const schedule = (track: TrackState, buffer: AudioBufferLike) => {
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    const at = Math.max(context.currentTime, track.nextTime);
    source.start(at);
    track.nextTime = at + buffer.duration;
    track.sources.add(source);
    source.onended = () => {
      track.sources.delete(source);
      update();
    };
    stats.chunks++;
    const samples = buffer.getChannelData(0);
    for (let i = 0; i < samples.length; i++) if (samples[i] !== 0) stats.nonSilentSamples++;
    update();
  };
  const play = (chunk: AudioChunkEvent) => {
    if (context.state === "suspended") void context.resume();
    const track = trackOf(chunk.track);
    if (chunk.sampleRate !== undefined && /^audio\/(pcm|l16)/i.test(chunk.mimeType)) {
      const view = new DataView(chunk.data.buffer, chunk.data.byteOffset, chunk.data.byteLength);
      const buffer = context.createBuffer(1, chunk.data.byteLength >> 1, chunk.sampleRate);
      const samples = buffer.getChannelData(0);
      for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true) / 32768;
      schedule(track, buffer);
      return;
    }
    const generation = track.generation;
    const bytes = chunk.data.slice().buffer;
    track.decoding = track.decoding
      .then(() => context.decodeAudioData(bytes))
      .then((buffer) => {
        if (track.generation === generation) schedule(track, buffer);
      })
      .catch(() => undefined); // a chunk that does not decode alone is skipped
  };
  const stop = (id?: string) => {
    stats.interrupts++;
    for (const [trackId, track] of tracks) {
      if (id !== undefined && id !== trackId) continue;
      track.generation++;
      track.nextTime = 0;
      for (const source of track.sources) {
        source.onended = null;
        source.stop();
      }
      track.sources.clear();
    }
    update();
  };
  const off = [client.on("audio", play), client.on("audioInterrupt", (event) => stop(event.track))];
  return {
    get speaking() {
      return speaking;
    },
    stats,
    onSpeaking(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop,
    close() {
      stop();
      for (const unsubscribe of off) unsubscribe();
    },
  };
}
