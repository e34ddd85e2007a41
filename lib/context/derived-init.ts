// A ContextInit that is another one with a member or two replaced (a task's gated emit, a durable step's ids):
// getters that read the base, not a copy. Spreading the session's ~30 parts into a new object for every task was the
// gateway's largest self time (docs/performance.md): the parts have an accessor (`mcp`), so the copy took V8's slow
// path, and it also froze `mcp` as it was when the task started.
import type { HistoryMessage } from "../hooks/payloads.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { ContextInit } from "./init.ts";
import type { TurnMemo } from "./turn-memo.ts";

/** What a derived init replaces; the rest reads through to the base. */
export interface InitOverrides {
  readonly newId?: (() => string) | undefined;
  readonly turn?: TurnMemo | undefined;
}

/**
 * `base` with `newId` and/or `turn` replaced; a subclass may replace `emit` too. Reads are live: what the base's
 * members say now, not when this was made.
 * @example const scoped = new DerivedInit(init, { newId: memo.idsUnder(place) });
 */
export class DerivedInit<S extends object> implements ContextInit<S> {
  protected readonly base: ContextInit<S>;
  readonly #newId: (() => string) | undefined;
  readonly #turn: TurnMemo | undefined;
  readonly #replacesTurn: boolean;

  constructor(base: ContextInit<S>, overrides: InitOverrides = {}) {
    this.base = base;
    this.#newId = overrides.newId;
    this.#replacesTurn = "turn" in overrides;
    this.#turn = overrides.turn;
  }

  emit(frame: OutgoingFrame): void | Promise<void> {
    return this.base.emit(frame);
  }
  newId(): string {
    return this.#newId === undefined ? this.base.newId() : this.#newId();
  }
  get turn() {
    return this.#replacesTurn ? this.#turn : this.base.turn;
  }
  history(): HistoryMessage[] {
    return this.base.history();
  }
  now(): Date {
    return this.base.now();
  }
  isoNow(): string {
    return this.base.isoNow?.() ?? this.base.now().toISOString();
  }
  claimId(id: string): void {
    this.base.claimId?.(id);
  }
  get sessionId() {
    return this.base.sessionId;
  }
  get threadId() {
    return this.base.threadId;
  }
  get user() {
    return this.base.user;
  }
  get chatProfile() {
    return this.base.chatProfile;
  }
  get userEnv() {
    return this.base.userEnv;
  }
  get state() {
    return this.base.state;
  }
  get log() {
    return this.base.log;
  }
  get renameAuthor() {
    return this.base.renameAuthor;
  }
  get asks() {
    return this.base.asks;
  }
  get actions() {
    return this.base.actions;
  }
  get settings() {
    return this.base.settings;
  }
  get commands() {
    return this.base.commands;
  }
  get modes() {
    return this.base.modes;
  }
  get usage() {
    return this.base.usage;
  }
  get askTimeoutMs() {
    return this.base.askTimeoutMs;
  }
  get maxAskTimeoutMs() {
    return this.base.maxAskTimeoutMs;
  }
  get maxStreamBytes() {
    return this.base.maxStreamBytes;
  }
  get files() {
    return this.base.files;
  }
  get thread() {
    return this.base.thread;
  }
  get audio() {
    return this.base.audio;
  }
  get grants() {
    return this.base.grants;
  }
  get mcp() {
    return this.base.mcp;
  }
  get spans() {
    return this.base.spans;
  }
}
