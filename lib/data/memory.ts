// An in-memory DataLayer for unit tests: same contract as SQLite and PostgreSQL, nothing survives the process.
import { randomUUID } from "node:crypto";
import type { MessageView, StepView, User } from "../protocol/views.ts";
import { favoriteIds, favoritesLimit } from "./favorites.ts";
import { memoryGrantStore, threadHolder } from "./grants.ts";
import {
  type DataLayer,
  type DataWrite,
  type LoadedStep,
  type LoadedThread,
  type NewThread,
  pageLimit,
  type StoredElement,
  type StoredFeedback,
  type StoredUser,
  type ThreadPatch,
  type ThreadRecord,
  withElements,
} from "./layer.ts";
import { memoryLoginCounters } from "./login-counters.ts";
import { createMemoryFileStore } from "./memory-files.ts";
import { patchedMetadata } from "./metadata-keys.ts";
import { LIVE_TURN_STATES, NO_NODE, type StoredTurn } from "./turns.ts";

interface StepRow {
  readonly seq: number;
  readonly threadId: string;
  readonly entry: { readonly kind: "message"; readonly message: MessageView } | { kind: "step"; step: StepView };
}

interface Tables {
  users: Map<string, StoredUser>;
  threads: Map<string, { seq: number; record: ThreadRecord }>;
  steps: Map<string, StepRow>;
  /** By the step it is about: one per step. */
  feedback: Map<string, StoredFeedback>;
  elements: Map<string, { threadId: string; element: StoredElement }>;
  /** Revoked token ids and when their revocation expires (s). */
  revoked: Map<string, number>;
  /** Durable turns (turns.ts), with their finished steps' outputs. */
  turns: Map<string, MemoryTurn>;
}

type MemoryTurn = Omit<StoredTurn, "steps"> & { readonly steps: Map<string, string | null> };

const emptyTables = (): Tables => ({
  users: new Map(),
  threads: new Map(),
  steps: new Map(),
  feedback: new Map(),
  elements: new Map(),
  revoked: new Map(),
  turns: new Map(),
});

// structuredClone on the way in and out, so callers can't mutate what is "stored" (as with a real database).
const copy = structuredClone;

/**
 * Creates an empty in-memory data layer.
 * @example const layer = createMemoryLayer(); await layer.migrate();
 */
export function createMemoryLayer(): DataLayer {
  let tables = emptyTables();
  let seq = 0;
  let closed = false;
  const files = createMemoryFileStore();
  const { deleteHolder, ...grants } = memoryGrantStore();

  const live = (): Tables => {
    if (closed) throw new Error("the memory data layer is closed");
    return tables;
  };
  const withOwner = (record: ThreadRecord): ThreadRecord => {
    const owner = [...tables.users.values()].find((user) => user.id === record.userId);
    return copy(owner === undefined ? record : { ...record, userIdentifier: owner.identifier });
  };
  const insertThread = (t: Tables, thread: NewThread): void => {
    if (t.threads.has(thread.id)) return;
    if (thread.userId !== undefined && ![...t.users.values()].some((u) => u.id === thread.userId)) {
      throw new Error(`no user ${thread.userId}`);
    }
    const record: ThreadRecord = {
      ...copy(thread),
      createdAt: new Date().toISOString(),
      tags: [...(thread.tags ?? [])],
      metadata: copy(thread.metadata ?? {}),
    };
    t.threads.set(thread.id, { seq: ++seq, record });
  };
  const upsertUser = (t: Tables, user: User): StoredUser => {
    const existing = t.users.get(user.identifier);
    const stored: StoredUser = {
      id: existing?.id ?? randomUUID(),
      identifier: user.identifier,
      ...(user.displayName === undefined ? {} : { displayName: user.displayName }),
      metadata: copy(user.metadata ?? {}),
      createdAt: existing?.createdAt ?? new Date().toISOString(),
    };
    t.users.set(user.identifier, stored);
    return stored;
  };
  const patchThread = (t: Tables, id: string, patch: ThreadPatch): ThreadRecord | undefined => {
    const row = t.threads.get(id);
    if (row === undefined) return undefined;
    const { metadataKeys: _keys, ...whole } = copy(patch);
    const metadata = patchedMetadata(row.record.metadata, copy(patch));
    const defined = Object.fromEntries(
      Object.entries({ ...whole, metadata }).filter(([, value]) => value !== undefined),
    );
    row.record = { ...row.record, ...defined };
    return row.record;
  };
  const putStep = (t: Tables, threadId: string, id: string, entry: StepRow["entry"]): void => {
    if (!t.threads.has(threadId)) throw new Error(`no thread ${threadId}`);
    const existing = t.steps.get(id);
    if (existing !== undefined && existing.threadId !== threadId) throw new Error(`step ${id} is in another thread`);
    t.steps.set(id, { seq: existing?.seq ?? ++seq, threadId, entry: copy(entry) });
  };
  const deleteStep = (t: Tables, id: string): void => {
    t.steps.delete(id);
    t.feedback.delete(id);
    for (const [key, e] of t.elements) if (e.element.forId === id) t.elements.delete(key);
  };
  const applyOne = (t: Tables, write: DataWrite): void => {
    switch (write.kind) {
      case "thread": {
        const userId = write.owner === undefined ? write.thread.userId : upsertUser(t, write.owner).id;
        insertThread(t, userId === undefined ? write.thread : { ...write.thread, userId });
        return;
      }
      case "thread_patch":
        patchThread(t, write.threadId, write.patch);
        return;
      case "default_name": {
        const row = t.threads.get(write.threadId);
        if (row !== undefined && row.record.name === undefined) row.record = { ...row.record, name: write.name };
        return;
      }
      case "message": {
        // As in the SQL layers, a message row does not hold its elements: they are element writes of their own.
        const { elements: _elements, ...message } = write.message;
        putStep(t, write.threadId, message.id, { kind: "message", message });
        return;
      }
      case "step":
        putStep(t, write.threadId, write.step.id, { kind: "step", step: write.step });
        return;
      case "delete_step":
        deleteStep(t, write.id);
        return;
      case "feedback": {
        const { id, forId } = write.feedback;
        if (!t.steps.has(forId)) throw new Error(`no step ${forId}`);
        const taken = [...t.feedback.values()].some((f) => f.id === id && f.forId !== forId);
        if (taken) throw new Error(`feedback ${id} is about another step`);
        t.feedback.set(forId, copy(write.feedback));
        return;
      }
      case "delete_feedback":
        t.feedback.delete(write.forId);
        return;
      case "element":
        if (!t.threads.has(write.threadId)) throw new Error(`no thread ${write.threadId}`);
        t.elements.set(write.element.id, { threadId: write.threadId, element: copy(write.element) });
        return;
      case "delete_element":
        t.elements.delete(write.id);
        return;
      case "turn_start":
        if (!t.threads.has(write.turn.threadId)) throw new Error(`no thread ${write.turn.threadId}`);
        if (!t.turns.has(write.turn.id))
          t.turns.set(write.turn.id, { ...copy(write.turn), state: "running", attempts: 1, steps: new Map() });
        return;
      case "turn_end": {
        const turn = t.turns.get(write.id);
        if (turn !== undefined && (write.nodeId === undefined || turn.nodeId === write.nodeId))
          t.turns.set(write.id, {
            ...turn,
            state: write.state,
            ...(write.reason === undefined ? {} : { reason: write.reason }),
          });
        return;
      }
      case "turn_step":
        t.turns.get(write.turnId)?.steps.set(write.place, write.output);
        return;
      default:
        write satisfies never;
    }
  };
  const loadThread = (id: string): LoadedThread | undefined => {
    const t = live();
    const row = t.threads.get(id);
    if (row === undefined) return undefined;
    const { secretHash: _secret, ...record } = withOwner(row.record);
    const feedbackFor = t.feedback;
    const steps = [...t.steps.values()]
      .filter((s) => s.threadId === id)
      .sort((a, b) => a.seq - b.seq)
      .map((s): LoadedStep => {
        const feedback = feedbackFor.get(s.entry.kind === "message" ? s.entry.message.id : s.entry.step.id);
        const extra = feedback === undefined ? {} : { feedback: copy(feedback) };
        return s.entry.kind === "message"
          ? { ...copy(s.entry.message), kind: "message", ...extra }
          : { ...copy(s.entry.step), kind: "step", ...extra };
      });
    const elements = [...t.elements.values()].filter((e) => e.threadId === id).map((e) => copy(e.element));
    return { ...record, steps: withElements(steps, elements), elements };
  };
  const cloneTables = (t: Tables): Tables => ({
    users: new Map(t.users),
    threads: new Map([...t.threads].map(([id, row]) => [id, { ...row }])),
    steps: new Map(t.steps),
    feedback: new Map(t.feedback),
    elements: new Map(t.elements),
    revoked: t.revoked,
    turns: new Map([...t.turns].map(([id, turn]) => [id, { ...turn, steps: new Map(turn.steps) }])),
  });

  return {
    kind: "memory",
    files,
    ...grants,
    migrate: async () => {
      live();
    },
    close: async () => {
      closed = true;
    },
    upsertUser: async (user) => copy(upsertUser(live(), user)),
    getUser: async (identifier) => {
      const user = live().users.get(identifier);
      return user === undefined ? undefined : copy(user);
    },
    createThread: async (thread) => {
      const t = live();
      insertThread(t, thread);
      const row = t.threads.get(thread.id);
      if (row === undefined) throw new Error(`thread ${thread.id} was not created`);
      return withOwner(row.record);
    },
    getThread: async (id) => {
      const row = live().threads.get(id);
      return row === undefined ? undefined : withOwner(row.record);
    },
    loadThread: async (id) => loadThread(id),
    listThreads: async ({ userId, search, limit, cursor }) => {
      const size = pageLimit(limit);
      const before = cursor === undefined ? Number.POSITIVE_INFINITY : Number(cursor);
      const needle = search?.toLowerCase();
      const rows = [...live().threads.values()]
        .filter((row) => row.record.userId === userId && row.seq < before)
        .filter((row) => needle === undefined || (row.record.name ?? "").toLowerCase().includes(needle))
        .sort((a, b) => b.seq - a.seq);
      const page = rows.slice(0, size);
      const last = page.at(-1);
      const more = rows.length > size && last !== undefined;
      return { threads: page.map((row) => withOwner(row.record)), ...(more ? { nextCursor: String(last.seq) } : {}) };
    },
    listFavorites: async (userIdentifier, limit) => {
      const t = live();
      const userId = t.users.get(userIdentifier)?.id;
      const favorites = [...t.threads.values()]
        .filter((row) => userId !== undefined && row.record.userId === userId)
        .flatMap(({ record }) => favoriteIds(record.metadata).map((id) => ({ id, threadId: record.id })))
        .flatMap(({ id, threadId }) => {
          const step = t.steps.get(id);
          const message = step?.threadId === threadId && step.entry.kind === "message" ? step.entry.message : undefined;
          return message?.role === "user" && step !== undefined ? [{ seq: step.seq, message, threadId }] : [];
        });
      return favorites
        .sort((a, b) => b.seq - a.seq)
        .slice(0, favoritesLimit(limit))
        .map(({ message, threadId }) => ({
          id: message.id,
          content: message.content,
          threadId,
          createdAt: message.createdAt,
        }));
    },
    updateThread: async (id, patch) => {
      const record = patchThread(live(), id, patch);
      return record === undefined ? undefined : withOwner(record);
    },
    setThreadShare: async (threadId, shareId) => {
      const t = live();
      const row = t.threads.get(threadId);
      if (row === undefined) return undefined;
      const taken = [...t.threads.values()].some((other) => other !== row && other.record.shareId === shareId);
      if (shareId !== null && row.record.shareId === undefined && taken) throw new Error(`share ${shareId} is taken`);
      // A thread already shared keeps its link.
      const kept = shareId === null ? undefined : (row.record.shareId ?? shareId);
      const { shareId: _old, ...record } = row.record;
      row.record = kept === undefined ? record : { ...record, shareId: kept };
      return withOwner(row.record);
    },
    getSharedThread: async (shareId) => {
      const row = [...live().threads.values()].find((candidate) => candidate.record.shareId === shareId);
      return row === undefined ? undefined : loadThread(row.record.id);
    },
    deleteThread: async (id) => {
      const t = live();
      if (!t.threads.delete(id)) return false;
      for (const [stepId, step] of t.steps) if (step.threadId === id) deleteStep(t, stepId);
      for (const [elementId, e] of t.elements) if (e.threadId === id) t.elements.delete(elementId);
      for (const [turnId, turn] of t.turns) if (turn.threadId === id) t.turns.delete(turnId);
      await files.deleteThreadFiles(id);
      deleteHolder(threadHolder(id));
      return true;
    },
    turns: {
      openTurns: async (threadId) =>
        [...live().turns.values()]
          .filter((turn) => turn.threadId === threadId && LIVE_TURN_STATES.includes(turn.state))
          .map((turn) => ({ ...copy({ ...turn, steps: undefined }), steps: new Map(turn.steps) })),
      claimTurn: async (id, fromNode, toNode) => {
        const turns = live().turns;
        const turn = turns.get(id);
        if (turn === undefined || turn.nodeId !== fromNode || !LIVE_TURN_STATES.includes(turn.state)) return false;
        turns.set(id, { ...turn, nodeId: toNode, state: "recovered", attempts: turn.attempts + 1 });
        return true;
      },
      disown: async (ids, nodeId) => {
        const turns = live().turns;
        for (const id of ids) {
          const turn = turns.get(id);
          if (turn !== undefined && turn.nodeId === nodeId && LIVE_TURN_STATES.includes(turn.state))
            turns.set(id, { ...turn, nodeId: NO_NODE });
        }
      },
      countOrphans: async (nodeId) =>
        [...live().turns.values()].filter((turn) => turn.nodeId !== nodeId && LIVE_TURN_STATES.includes(turn.state))
          .length,
      // No stored asks here: every live turn of another node is listed.
      listOrphans: async (except, limit) =>
        [...live().turns.values()]
          .filter((turn) => !except.includes(turn.nodeId) && LIVE_TURN_STATES.includes(turn.state))
          .sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id.localeCompare(b.id))
          .slice(0, limit)
          .map(({ id, threadId, nodeId, state }) => ({ id, threadId, nodeId, state })),
    },
    apply: async (writes) => {
      // All or nothing, like a transaction: work on a copy, swap it in only if every write succeeded.
      const draft = cloneTables(live());
      const seqBefore = seq;
      try {
        for (const write of writes) applyOne(draft, write);
      } catch (error) {
        seq = seqBefore;
        throw error;
      }
      tables = draft;
    },
    revokeToken: async (tokenId, expiresAt) => {
      const { revoked } = live();
      const now = Date.now() / 1000;
      for (const [id, expiry] of revoked) if (expiry < now) revoked.delete(id);
      revoked.set(tokenId, Math.max(revoked.get(tokenId) ?? 0, expiresAt));
    },
    isTokenRevoked: async (tokenId, now) => (live().revoked.get(tokenId) ?? Number.NEGATIVE_INFINITY) >= now,
    ...memoryLoginCounters(),
  };
}
