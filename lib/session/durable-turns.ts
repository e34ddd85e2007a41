// Durable turns on the session's side (docs/durability.md): a message turn is recorded when it starts and when it
// ends (two queued writes), its steps are memoised in a TurnJournal, and a thread reopened here (by a client, or by a
// headless session of the orphan sweeper, lib/gateway/orphan-sweeper.ts) recovers the turns that a dead node left
// running: claimed, then run again through onTurnRecover (default: onMessage).
import type { LoadedThread } from "../data/layer.ts";
import type { AskStore, StoredAsk, StoredTurn, TurnStore } from "../data/turns.ts";
import type { ChatFile, IncomingMessage, RecoveredTurn } from "../hooks/payloads.ts";
import type { Logger } from "../logger.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { StopReason } from "../protocol/views.ts";
import { continuingEmit, type StoredMessage } from "./recovery-stream.ts";
import type { ThreadLink } from "./thread-link.ts";
import { Fence, type OwnedTurns, type TurnFence } from "./turn-fence.ts";
import { type JournalAsks, TurnJournal } from "./turn-journal.ts";

/** How a gateway keeps turns durable: one for all its sessions. */
export interface DurableTurnsConfig {
  readonly store: TurnStore;
  /** This node (process): the owner written into the turns it runs. */
  readonly nodeId: string;
  /** Whether another node still runs its turns (its lease in the cluster's directory); always false on one node,
   * where every other owner is a process that ended. */
  isAlive(nodeId: string): Promise<boolean>;
  /** Whether orphaned turns are run again (`recoverTurns`, default true); off, they end `node_lost`. */
  readonly recover: boolean;
  /** Attempts a turn may have in all, the first one included (`maxTurnAttempts`, default 3). */
  readonly maxAttempts: number;
  /** How often a session looks again at a live turn of its thread whose owner still holds a lease (a cluster: the
   * owner may have just died, its lease not run out yet). Default 1000 ms. */
  readonly recheckMs?: number;
  /** How long it keeps looking. Default 5 min. */
  readonly recheckForMs?: number;
  /** The turns this node runs, fenced (turn-fence.ts): in a cluster, a turn this node may no longer own is stopped. */
  readonly owned?: OwnedTurns;
}

/** How a turn's attempt ended. */
export type TurnOutcome =
  | { readonly state: "done" }
  | { readonly state: "stopped" | "failed"; readonly reason: string };

/** A durable turn as the task lane runs it: its memo, how its frames go out, and its end. */
export interface LaneTurn {
  readonly journal: TurnJournal;
  /** Down once this node may no longer run the turn (a cluster's fencing): its sends are refused from then on. */
  readonly fence?: TurnFence;
  /** A recovered turn's frames continue what was shown (recovery-stream.ts). */
  emitThrough?(emit: (frame: OutgoingFrame) => void | Promise<void>): (frame: OutgoingFrame) => void | Promise<void>;
  ended(outcome: TurnOutcome): void;
  /** The lane will not run it (the session ended first, the node or the queue is full): a recovered turn is let go,
   * still live and owned by no node, for a later reopen or sweep to claim again. */
  dropped?(): void;
}

/** Why an orphan is not run again. */
export type Refusal = "recovery_off" | "too_many_attempts";

/** The first ids a turn makes at its top level: its answer is among them. More would be a turn of many messages. */
const TOP_IDS = 64;

/** A message as a turn's record keeps it: each file by its id, name, type and size. */
function withStoredFiles({ files, ...rest }: IncomingMessage): unknown {
  return { ...rest, files: files.map(({ id, name, mime, size }) => ({ id, name, mime, size })) };
}

/** A session's durable turns. */
export class SessionTurns {
  readonly #config: DurableTurnsConfig;
  readonly #link: ThreadLink;
  readonly #log: Logger;
  /** The session's signed-in user: the owner of the asks its turns store. */
  readonly #user: () => string | undefined;

  constructor(
    config: DurableTurnsConfig,
    link: ThreadLink,
    log: Logger,
    user: () => string | undefined = () => undefined,
  ) {
    this.#config = config;
    this.#link = link;
    this.#log = log;
    this.#user = user;
  }

  /** This node's id. */
  get nodeId(): string {
    return this.#config.nodeId;
  }

  /** The store's asks, when it keeps them. */
  get askStore(): AskStore | undefined {
    return this.#config.store.asks;
  }

  /** The live turns of `threadId`, as stored. */
  openTurns(threadId: string): Promise<StoredTurn[]> {
    return this.#config.store.openTurns(threadId);
  }

  /** Whether node `nodeId` (not this one) still runs its turns. */
  isAlive(nodeId: string): Promise<boolean> {
    return this.#config.isAlive(nodeId);
  }

  /** Where a journal of this session stores its turn's asks. */
  #journalAsks(earlier: boolean): JournalAsks | undefined {
    const store = this.#config.store.asks;
    if (store === undefined) return undefined;
    const { nodeId } = this.#config;
    return { store, nodeId, threadId: this.#link.threadId, owner: this.#user(), earlier };
  }

  /** A new turn (id from the thread's ids); recorded once `start` says its input. */
  fresh(id: string): LaneTurn & { start(input: IncomingMessage): void } {
    const link = this.#link;
    const journal = new TurnJournal(id, link, this.#log, new Map(), this.#journalAsks(false));
    const nodeId = this.#config.nodeId;
    const owned = this.#config.owned;
    const fence = owned === undefined ? undefined : new Fence();
    let started = false;
    let release: (() => void) | undefined;
    return {
      journal,
      ...(fence === undefined ? {} : { fence }),
      start(input) {
        started = true;
        if (fence !== undefined) release = owned?.enter(id, fence);
        // Stored as JSON when its batch commits (and not at all when the turn ends `done` in that batch): a
        // message without files is its own record; files are kept without their bytes' whereabouts.
        const stored = input.files.length === 0 ? input : withStoredFiles(input);
        link.recordTurn({
          kind: "turn_start",
          turn: { id, threadId: link.threadId, input: stored, nodeId, startedAt: new Date().toISOString() },
        });
      },
      ended: (outcome) => {
        release?.();
        // A turn taken away from this node is not ended here: its record is another node's now, or was let go.
        if (fence?.taken === true) return;
        if (started && !this.#released(journal, outcome)) link.recordTurn({ kind: "turn_end", id, ...outcome, nodeId });
      },
    };
  }

  /** The turns of `threadId` left live by nodes that are gone, each claimed for this node (one claimer wins), and
   * how many are live on other nodes that still hold a lease (`owned`: worth another look once leases run out).
   * An orphan waiting on a stored ask that is still open is not claimed: its ask is `waiting`, to be shown again,
   * and the turn is run again once it is answered (docs/durability.md#stored-asks). */
  async orphans(threadId: string): Promise<{ claimed: StoredTurn[]; owned: number; waiting: StoredAsk[] }> {
    const { store, nodeId } = this.#config;
    const claimed: StoredTurn[] = [];
    const waiting: StoredAsk[] = [];
    let owned = 0;
    for (const turn of await store.openTurns(threadId)) {
      if (turn.nodeId === nodeId) continue;
      if (await this.#config.isAlive(turn.nodeId)) {
        owned += 1;
        continue;
      }
      const open = turn.state === "waiting" && this.#config.recover ? await this.#openAsks(turn.id) : [];
      if (open.length > 0) waiting.push(...open);
      else if (await store.claimTurn(turn.id, turn.nodeId, nodeId))
        claimed.push({ ...turn, attempts: turn.attempts + 1 });
    }
    return { claimed, owned, waiting };
  }

  /** The asks of a waiting turn that are still to be answered. */
  async #openAsks(turnId: string): Promise<StoredAsk[]> {
    const asks = (await this.#config.store.asks?.ofTurn(turnId)) ?? [];
    const now = new Date().toISOString();
    return asks.filter((ask) => ask.answer === undefined && ask.deadline > now);
  }

  /** How often, and how long, a session looks again at turns other live nodes own. */
  get recheck(): { readonly everyMs: number; readonly forMs: number } {
    return { everyMs: this.#config.recheckMs ?? 1000, forMs: this.#config.recheckForMs ?? 300_000 };
  }

  /** Why `turn` is not run again, if it is not. */
  refusal(turn: StoredTurn): Refusal | undefined {
    if (!this.#config.recover) return "recovery_off";
    if (turn.attempts > this.#config.maxAttempts) return "too_many_attempts";
    return undefined;
  }

  /** The messages of `turn` in the stored thread (those it made at its top level), oldest first. */
  messagesOf(
    turn: StoredTurn,
    thread: LoadedThread,
  ): { id: string; role: string; content: string; stopped?: StopReason }[] {
    const next = new TurnJournal(turn.id, this.#link, this.#log).idsUnder("");
    const ids = new Set(Array.from({ length: TOP_IDS }, next));
    return thread.steps.flatMap((step) =>
      step.kind === "message" && ids.has(step.id)
        ? [{ id: step.id, role: step.role, content: step.content, ...(step.stopped ? { stopped: step.stopped } : {}) }]
        : [],
    );
  }

  /** What onTurnRecover gets, and the lane turn that runs the recovery. `files`: the input's files, read back from
   * the file store (turn-recovery.ts); the turn's record keeps only their ids and names. */
  recovered(
    turn: StoredTurn,
    thread: LoadedThread,
    files: ChatFile[],
  ): { payload: RecoveredTurn; lane: LaneTurn; touched: Set<string> } {
    const link = this.#link;
    const journal = new TurnJournal(turn.id, link, this.#log, turn.steps, this.#journalAsks(true));
    const stored = new Map<string, StoredMessage>();
    for (const step of thread.steps)
      if (step.kind === "message") stored.set(step.id, { content: step.content, createdAt: step.createdAt });
    const touched = new Set<string>();
    const answer = this.messagesOf(turn, thread).at(-1);
    const steps = new Map<string, unknown>();
    for (const [place, output] of turn.steps) steps.set(place, output === null ? undefined : JSON.parse(output));
    const input = { ...(turn.input as IncomingMessage), files };
    const payload: RecoveredTurn = {
      id: turn.id,
      input,
      attempt: turn.attempts,
      steps,
      ...(answer === undefined ? {} : { answer: { id: answer.id, content: answer.content } }),
    };
    // Claimed by this node: fenced from now on, queued or running.
    const fence = this.#config.owned === undefined ? undefined : new Fence();
    const release = fence === undefined ? undefined : this.#config.owned?.enter(turn.id, fence);
    const lane: LaneTurn = {
      journal,
      ...(fence === undefined ? {} : { fence }),
      emitThrough: (emit) => continuingEmit(emit, stored, touched),
      ended: (outcome) => {
        release?.();
        if (fence?.taken === true) return;
        if (!this.#released(journal, outcome))
          link.recordTurn({ kind: "turn_end", id: turn.id, ...outcome, nodeId: this.#config.nodeId });
      },
      dropped: () => {
        release?.();
        const { store, nodeId } = this.#config;
        store.disown?.([turn.id], nodeId).catch((error: unknown) => {
          this.#log.error({ err: error, turnId: turn.id }, "a recovered turn not run was not let go");
        });
      },
    };
    return { payload, lane, touched };
  }

  /** A turn stopped because its session ended (the client gone, the node shutting down) while its handler waited
   * on a stored ask is not ended: it is let go, still `waiting`, so that the ask's answer — hours or days later, on
   * any node — resumes it (docs/durability.md#stored-asks). True when it was. */
  #released(journal: TurnJournal, outcome: TurnOutcome): boolean {
    const store = this.#config.store.asks;
    if (store === undefined || journal.openAsks === 0 || outcome.state !== "stopped") return false;
    if (outcome.reason !== "disconnect" && outcome.reason !== "shutdown") return false;
    // After what the session recorded last (its partial answer, cut): the turn's row is not written by the queue.
    void this.#link
      .flush()
      .catch(() => undefined)
      .then(() => store.release(journal.id, this.#config.nodeId))
      .catch((error: unknown) => {
        this.#log.error({ err: error, turnId: journal.id }, "a waiting turn was not let go: its ask is lost");
      });
    return true;
  }

  /** Ends a turn that is not run again, with why. */
  endUnrecovered(turn: StoredTurn, why: Refusal | "hook_failed"): void {
    this.#link.recordTurn({ kind: "turn_end", id: turn.id, state: "failed", reason: `not_recovered:${why}` });
  }
}
