// A small browser player for output audio: each track's chunks are scheduled back to back on a Web Audio
// AudioContext (PCM16 converted to float samples, or streamed to an AudioWorklet with `pcmWorklet`; encoded chunks
// decoded with decodeAudioData, each one whole), and stopped at once on an interrupt — the server's, or the
// client's own barge-in when it starts recording.
import type { AudioChunkEvent } from "./audio-output.ts";
import type { ChatClient } from "./client.ts";
import type { Unsubscribe } from "./emitter.ts";
import type { PcmWorkletCommand, PcmWorkletReport } from "./pcm-worklet.ts";

/** The parts of an AudioBuffer the player uses. */
interface AudioBufferLike {
  readonly duration: number;
  getChannelData(channel: number): Float32Array;
}
interface SourceLike {
  buffer: AudioBufferLike | null;
  /** Called when the source ends (typed loosely, so a browser AudioContext fits). */
  onended: ((...args: never[]) => unknown) | null;
  connect(destination: unknown): unknown;
  start(when?: number): void;
  stop(): void;
}
/** The parts of an AudioWorkletNode the player uses. */
interface WorkletNodeLike {
  readonly port: {
    onmessage: ((event: { data: PcmWorkletReport }) => void) | null;
    postMessage(message: PcmWorkletCommand, transfer: ArrayBuffer[]): void;
  };
  connect(destination: unknown): unknown;
}
/** The parts of an AudioContext the player uses (a browser's AudioContext fits). */
export interface AudioContextLike {
  /** Needed with `pcmWorklet` only. */
  readonly audioWorklet?: { addModule(url: string): Promise<void> };
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
  /** What the player did (a level meter, or a test, reads them); see AudioPlayerStats. */
  readonly stats: AudioPlayerStats;
  /** Told when `speaking` changes. */
  onSpeaking(listener: (speaking: boolean) => void): Unsubscribe;
  /** Told when the AudioWorklet reports (samples played, a stop confirmed): `stats` changed. */
  onStats(listener: (stats: AudioPlayerStats) => void): Unsubscribe;
  /** Stops `track` (every track when absent) now. */
  stop(track?: string): void;
  /** Stops everything and unsubscribes from the client. */
  close(): void;
}

/** Counts of a player. The last three come from the AudioWorklet (`pcmWorklet`), and stay 0 without it. */
export interface AudioPlayerStats {
  /** Chunks scheduled or queued. */
  readonly chunks: number;
  /** Samples among those chunks that are not silent. */
  readonly nonSilentSamples: number;
  /** Stops (interrupts, barge-ins, `stop()`). */
  readonly interrupts: number;
  /** Non-silent samples the audio thread actually played (at the context's rate). */
  readonly playedSamples: number;
  /** Queued samples a stop cut off before they played. */
  readonly droppedSamples: number;
  /** Milliseconds from the last stop to the audio thread confirming it (undefined until one is confirmed). */
  readonly lastStopMs: number | undefined;
}

/** Options of createAudioPlayer. */
export interface AudioPlayerOptions {
  /** The context to play on (default: a new AudioContext). */
  readonly context?: AudioContextLike;
  /** The URL of chatwire's PCM AudioWorklet module (lib/client/pcm-worklet.ts, built; the playground serves it as
   * `pcm-worklet.js`): PCM then streams to the audio thread instead of one buffer source per chunk. */
  readonly pcmWorklet?: string;
}

interface TrackState {
  nextTime: number;
  readonly sources: Set<SourceLike>;
  /** Bumped by a stop: an encoded chunk still being decoded is then not played. */
  generation: number;
  decoding: Promise<void>;
  /** The track's worklet node (pcmWorklet), made at its first PCM chunk. */
  node: Promise<WorkletNodeLike> | undefined;
  /** The last chunk posted to the worklet, and whether it may still be playing. */
  seq: number;
  workletBusy: boolean;
  /** When the last unconfirmed stop was posted (performance.now()). */
  stoppedAt: number | undefined;
}

/**
 * Plays `client`'s output audio on `context` (default: a new AudioContext).
 * @example const player = createAudioPlayer(client); player.onSpeaking((on) => indicator.hidden = !on);
 */
export function createAudioPlayer(client: ChatClient, options: AudioPlayerOptions = {}): AudioPlayer {
  const Context = (globalThis as unknown as { AudioContext?: new () => AudioContextLike }).AudioContext;
  const context = options.context ?? (Context ? new Context() : undefined);
  if (context === undefined) throw new TypeError("no AudioContext here: pass options.context");
  const tracks = new Map<string, TrackState>();
  const listeners = new Set<(speaking: boolean) => void>();
  const statsListeners = new Set<(stats: AudioPlayerStats) => void>();
  const stats = {
    chunks: 0,
    nonSilentSamples: 0,
    interrupts: 0,
    playedSamples: 0,
    droppedSamples: 0,
    lastStopMs: undefined as number | undefined,
  };
  let speaking = false;
  let worklet: Promise<void> | undefined;
  if (options.pcmWorklet !== undefined) {
    if (context.audioWorklet === undefined) throw new TypeError("pcmWorklet needs an AudioContext with audioWorklet");
    worklet = context.audioWorklet.addModule(options.pcmWorklet);
  }

  const update = () => {
    let now = false;
    for (const track of tracks.values()) if (track.sources.size > 0 || track.workletBusy) now = true;
    if (now === speaking) return;
    speaking = now;
    for (const listener of [...listeners]) listener(now);
  };
  const trackOf = (id: string): TrackState => {
    let track = tracks.get(id);
    if (track === undefined) {
      track = {
        nextTime: 0,
        sources: new Set(),
        generation: 0,
        decoding: Promise.resolve(),
        node: undefined,
        seq: 0,
        workletBusy: false,
        stoppedAt: undefined,
      };
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
  const reported = () => {
    for (const listener of [...statsListeners]) listener(stats);
  };
  const nodeOf = (track: TrackState, ready: Promise<void>): Promise<WorkletNodeLike> => {
    track.node ??= ready.then(() => {
      const Node = (
        globalThis as unknown as { AudioWorkletNode: new (c: unknown, n: string, o: object) => WorkletNodeLike }
      ).AudioWorkletNode;
      const node = new Node(context, "chatwire-pcm", { outputChannelCount: [1] });
      node.connect(context.destination);
      node.port.onmessage = ({ data }) => {
        stats.playedSamples += data.played;
        if (data.type === "cleared") {
          stats.droppedSamples += data.dropped;
          if (track.stoppedAt !== undefined) stats.lastStopMs = performance.now() - track.stoppedAt;
          track.stoppedAt = undefined;
        }
        // A chunk posted after the processor ran dry keeps the track speaking.
        if (data.type === "idle" && data.seq === track.seq) {
          track.workletBusy = false;
          update();
        }
        reported();
      };
      return node;
    });
    return track.node;
  };
  /** Streams PCM16 to the track's worklet: the audio thread plays it as it comes, with no per-chunk node. */
  const stream = (track: TrackState, chunk: AudioChunkEvent, ready: Promise<void>) => {
    const samples = new Int16Array(chunk.data.byteLength >> 1);
    new Uint8Array(samples.buffer).set(chunk.data.subarray(0, samples.byteLength)); // aligned, and ours to transfer
    stats.chunks++;
    for (const sample of samples) if (sample !== 0) stats.nonSilentSamples++;
    const seq = ++track.seq;
    track.workletBusy = true;
    update();
    const generation = track.generation;
    void nodeOf(track, ready).then(
      (node) => {
        if (track.generation !== generation) return; // stopped while the module loaded
        const rate = chunk.sampleRate ?? 24_000;
        node.port.postMessage({ type: "chunk", seq, samples, rate }, [samples.buffer as ArrayBuffer]);
      },
      () => {
        // The module did not load (a policy, an old browser): later chunks play through buffer sources.
        worklet = undefined;
        track.node = undefined;
        track.workletBusy = false;
        update();
      },
    );
  };
  const play = (chunk: AudioChunkEvent) => {
    if (context.state === "suspended") void context.resume();
    const track = trackOf(chunk.track);
    const pcm = chunk.sampleRate !== undefined && /^audio\/(pcm|l16)/i.test(chunk.mimeType);
    if (pcm && worklet !== undefined) {
      stream(track, chunk, worklet);
      return;
    }
    if (pcm && chunk.sampleRate !== undefined) {
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
      if (track.workletBusy && track.node !== undefined) {
        track.workletBusy = false;
        track.stoppedAt = performance.now();
        void track.node.then((node) => node.port.postMessage({ type: "clear" }, []));
      }
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
    onStats(listener) {
      statsListeners.add(listener);
      return () => statsListeners.delete(listener);
    },
    stop,
    close() {
      stop();
      for (const unsubscribe of off) unsubscribe();
    },
  };
}
