// The channel between nodes: each node listens on its own PostgreSQL channel (and on one for everybody), and
// publishes with pg_notify on one connection of its own, so that its messages arrive in the order it sent them.
// An interface, so that a deployment whose relayed traffic outgrows NOTIFY can plug in another bus.
import { nanoid } from "nanoid";
import pg from "pg";
import { chunkPayload, Reassembler } from "./chunks.ts";

/** Messages between nodes, in order per sender and receiver, as JSON-serialisable objects. */
export interface ClusterBus {
  /** This node's id: other nodes address it by this. */
  readonly nodeId: string;
  /** Sends `message` to node `to`, or to every node (this one too) with "*". Never throws; a message that cannot
   * be sent is reported through `onLost`. */
  publish(to: string, message: object): void;
  /** Receives every message addressed to this node (or to all). */
  onMessage(handler: (from: string, message: unknown) => void): void;
  /** Told when messages may have been lost (a connection dropped): links relayed through the bus must be ended. */
  onLost(handler: () => void): void;
  /** Bytes handed to `publish` that the database has not taken yet: the relay's flow control. */
  readonly pendingBytes: number;
  /** Calls `listener` once, when `pendingBytes` is back to 0. */
  onDrain(listener: () => void): void;
  close(): Promise<void>;
}

const BROADCAST = "chatwire_all";
const channelOf = (nodeId: string) => (nodeId === "*" ? BROADCAST : `chatwire_node_${nodeId}`);
const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** How long closing waits for queued messages to be sent. */
const CLOSE_DRAIN_MS = 1000;

/** How long a lost bus connection waits before it connects again. */
const RECONNECT_MS = 500;

/**
 * A bus on PostgreSQL's LISTEN/NOTIFY: two connections per node (one listens, one publishes).
 * @example const bus = await createPostgresBus(process.env.DATABASE_URL ?? "");
 */
export async function createPostgresBus(connectionString: string, nodeId = nanoid(12)): Promise<ClusterBus> {
  const handlers: ((from: string, message: unknown) => void)[] = [];
  const lostHandlers: (() => void)[] = [];
  let drainListeners: (() => void)[] = [];
  const reassembler = new Reassembler();
  let closed = false;
  let pendingBytes = 0;
  let counter = 0;

  const lost = () => {
    for (const handler of lostHandlers) handler();
  };

  const deliver = (payload: string) => {
    const whole = reassembler.take(payload);
    if (whole === undefined) return;
    let message: unknown;
    try {
      message = JSON.parse(whole.body);
    } catch {
      return;
    }
    for (const handler of handlers) handler(whole.sender, message);
  };

  const connect = async (onConnect: (client: pg.Client) => Promise<void>): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString });
    client.on("error", () => {}); // followed by "end", which reconnects
    await client.connect();
    await onConnect(client);
    return client;
  };

  // The listener: a dropped connection may have missed messages, so the links on this node are told, then it
  // listens again.
  const listen = async (client: pg.Client) => {
    client.on("notification", (note) => {
      if (note.payload !== undefined) deliver(note.payload);
    });
    await client.query(`LISTEN ${quoted(channelOf(nodeId))}; LISTEN ${quoted(BROADCAST)}`);
  };
  const keep = (client: pg.Client, setup: (client: pg.Client) => Promise<void>, replace: (c: pg.Client) => void) => {
    client.once("end", () => {
      if (closed) return;
      lost();
      const retry = () => {
        if (closed) return;
        connect(setup).then(
          (fresh) => {
            replace(fresh);
            keep(fresh, setup, replace);
          },
          () => setTimeout(retry, RECONNECT_MS),
        );
      };
      setTimeout(retry, RECONNECT_MS);
    });
  };
  let listener = await connect(listen);
  keep(listener, listen, (fresh) => (listener = fresh));
  // A NOTIFY is a transaction with an id, so each one would wait for a WAL flush. Nothing needs it durable: a
  // database that crashes drops these connections, and every link through them is closed and resumed anyway.
  const publisherSetup = async (client: pg.Client) => {
    await client.query("SET synchronous_commit TO off");
  };
  let publisher = await connect(publisherSetup);
  keep(publisher, publisherSetup, (fresh) => (publisher = fresh));

  const drained = () => {
    if (pendingBytes !== 0) return;
    const listeners = drainListeners;
    drainListeners = [];
    for (const listener of listeners) listener();
  };

  return {
    nodeId,
    publish(to, message) {
      if (closed) return;
      const channel = channelOf(to);
      for (const payload of chunkPayload(nodeId, (counter++).toString(36), JSON.stringify(message))) {
        pendingBytes += payload.length;
        // Queued on one client: pg sends its queries in order, so the receiver gets them in order.
        publisher.query("SELECT pg_notify($1, $2)", [channel, payload]).then(
          () => {
            pendingBytes -= payload.length;
            drained();
          },
          () => {
            pendingBytes -= payload.length;
            drained();
            if (!closed) lost();
          },
        );
      }
    },
    onMessage: (handler) => void handlers.push(handler),
    onLost: (handler) => void lostHandlers.push(handler),
    get pendingBytes() {
      return pendingBytes;
    },
    onDrain(listener) {
      drainListeners.push(listener);
      drained();
    },
    async close() {
      // What is still queued (a shutdown's last frames to relayed clients) goes out first, within a bound.
      await new Promise<void>((done) => {
        const timer = setTimeout(done, CLOSE_DRAIN_MS);
        drainListeners.push(() => {
          clearTimeout(timer);
          done();
        });
        drained();
      });
      closed = true;
      await Promise.allSettled([listener.end(), publisher.end()]);
    },
  };
}
