// The quota of an upload is read from the store when it starts; two uploads of one session or user at once would
// each see the same room and together pass it. The ledger counts the bytes this process's uploads receive into a
// store, per quota key, so each upload also counts what the others took since it started. (What another upload had
// received but not yet stored when this one started is counted by neither, less than a 256 KiB chunk and the write
// in flight; an upload on another node counts only by what it had stored then: between nodes the quota can still be
// passed.)

/** One upload's view of the ledger. */
export interface UploadShare {
  /** Counts `bytes` received by this upload. */
  add(bytes: number): void;
  /** Bytes that the other uploads of `key` received since this one opened. */
  othersSince(key: string): number;
  /** Ends this upload (a key no upload holds is forgotten). */
  close(): void;
}

interface KeyCount {
  received: number;
  open: number;
}

/** Uploads in flight into one store. */
export interface UploadLedger {
  /** Opens an upload counted under `keys` (its session's, its user's). */
  open(keys: readonly string[]): UploadShare;
}

function createUploadLedger(): UploadLedger {
  const counts = new Map<string, KeyCount>();
  return {
    open(keys) {
      const start = new Map<string, number>();
      for (const key of keys) {
        const count = counts.get(key) ?? { received: 0, open: 0 };
        count.open++;
        counts.set(key, count);
        start.set(key, count.received);
      }
      let own = 0;
      let closed = false;
      return {
        add(bytes) {
          own += bytes;
          for (const key of keys) (counts.get(key) as KeyCount).received += bytes;
        },
        othersSince(key) {
          const count = counts.get(key);
          const at = start.get(key);
          return count === undefined || at === undefined ? 0 : count.received - at - own;
        },
        close() {
          if (closed) return;
          closed = true;
          for (const key of keys) {
            const count = counts.get(key) as KeyCount;
            if (--count.open === 0) counts.delete(key);
          }
          start.clear();
        },
      };
    },
  };
}

const ledgers = new WeakMap<object, UploadLedger>();

/** The ledger of uploads into `store`: one per store, so that every route writing into it shares it. */
export function ledgerOf(store: object): UploadLedger {
  let ledger = ledgers.get(store);
  if (ledger === undefined) {
    ledger = createUploadLedger();
    ledgers.set(store, ledger);
  }
  return ledger;
}
