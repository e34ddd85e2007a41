// The speaker: plays the assistant's output audio with chatwire/client's player — PCM16 streamed to the AudioWorklet
// this page serves as pcm-worklet.js (lib/client/pcm-worklet.ts, no CDN), encoded formats decoded — shows that the
// assistant is speaking, and stops on an interrupt or the moment the user presses the microphone (barge-in).
// The indicator's data attributes carry the player's counts, for a level display or a browser test to read.
import { type AudioPlayer, type AudioPlayerStats, type ChatClient, createAudioPlayer } from "../../lib/client/index.ts";
import { byId } from "./dom.ts";

/** Plays one client's output audio at a time. */
export class Speaker {
  readonly #indicator = byId("speaking");
  #context: AudioContext | undefined;
  #player: AudioPlayer | undefined;

  /** Plays `client`'s audio (the page's client for its lifetime); the returned function stops and detaches. The
   * AudioContext is made at the page's first user gesture (or now, after one): browsers refuse to start audio
   * before it, and a page that is only read then never opens an audio device. */
  attach(client: ChatClient): () => void {
    if (typeof AudioContext === "undefined") return () => undefined; // no Web Audio: text only
    let detached = false;
    let stop: () => void = () => undefined;
    const start = () => {
      removeEventListener("pointerdown", start, true);
      removeEventListener("keydown", start, true);
      if (!detached) stop = this.#play(client);
    };
    if (navigator.userActivation?.hasBeenActive ?? true) start();
    else {
      addEventListener("pointerdown", start, true);
      addEventListener("keydown", start, true);
    }
    return () => {
      detached = true;
      start();
      stop();
    };
  }

  #play(client: ChatClient): () => void {
    this.#player?.close();
    this.#context ??= new AudioContext({ latencyHint: "interactive" });
    // audioWorklet needs a secure context (https, localhost): without it PCM plays through buffer sources.
    const pcmWorklet = this.#context.audioWorklet ? new URL("pcm-worklet.js", document.baseURI).href : undefined;
    const player = createAudioPlayer(client, { context: this.#context, ...(pcmWorklet ? { pcmWorklet } : {}) });
    this.#player = player;
    const off = [
      player.onSpeaking((speaking) => {
        this.#indicator.hidden = !speaking;
        this.#show(player.stats);
      }),
      player.onStats((stats) => this.#show(stats)),
    ];
    this.#show(player.stats);
    return () => {
      for (const unsubscribe of off) unsubscribe();
      player.close();
      if (this.#player === player) this.#player = undefined;
      this.#indicator.hidden = true;
    };
  }

  /** Stops playback now: the user is about to talk. A suspended context may start here, in the click's gesture. */
  bargeIn(): void {
    if (this.#context?.state === "suspended") void this.#context.resume();
    this.#player?.stop();
  }

  #show(stats: AudioPlayerStats): void {
    const data = this.#indicator.dataset;
    data.speaking = String(this.#player?.speaking ?? false);
    data.chunks = String(stats.chunks);
    data.played = String(stats.playedSamples);
    data.dropped = String(stats.droppedSamples);
    data.interrupts = String(stats.interrupts);
    if (stats.lastStopMs !== undefined) data.stopMs = stats.lastStopMs.toFixed(1);
  }
}
