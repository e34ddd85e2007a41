// The `cluster` option and its checked settings: checked before the node touches the database, so that a wrong
// value fails at start with INVALID_OPTION rather than as a connection error.
import { ChatwireError } from "../errors.ts";
import { MAX_TIMER_MS } from "../runtime/timers.ts";

/** The `cluster` option: nodes sharing one PostgreSQL serve any session from any node. */
export interface ClusterOptions {
  /** The PostgreSQL database (the data layer's, usually). Default: env DATABASE_URL. */
  readonly url?: string | undefined;
  /** How often a node renews its lease. Default 1000 ms. */
  readonly heartbeatMs?: number | undefined;
  /** How long a lease lasts: a node that stopped renewing is forgotten, with its sessions, this long after its last
   * heartbeat. Default 3000 ms. */
  readonly leaseMs?: number | undefined;
  /** How long a node waits for the holder to answer a relayed resume or push before giving up on it. Default 1000 ms. */
  readonly relayTimeoutMs?: number | undefined;
}

/** The option with every default filled in and checked. */
export type ClusterSettings = { readonly [K in keyof ClusterOptions]-?: Exclude<ClusterOptions[K], undefined> };

// Each one is a timer's delay: above MAX_TIMER_MS Node would fire it after 1 ms.
const positive = (name: string, value: number): number => {
  if (!Number.isInteger(value) || value <= 0 || value > MAX_TIMER_MS) {
    throw new ChatwireError(
      "INVALID_OPTION",
      `cluster.${name} must be an integer from 1 to ${MAX_TIMER_MS}, not ${value}`,
    );
  }
  return value;
};

/**
 * The settings of `option` (`true`: the defaults on DATABASE_URL); throws INVALID_OPTION for a wrong value.
 * @example const settings = clusterSettings({ leaseMs: 5000 });
 */
export function clusterSettings(option: ClusterOptions | true): ClusterSettings {
  const given = option === true ? {} : option;
  const url = given.url ?? process.env.DATABASE_URL ?? "";
  if (!/^postgres(ql)?:\/\//.test(url)) {
    throw new ChatwireError("INVALID_OPTION", "cluster needs a postgres:// URL (cluster.url or DATABASE_URL)");
  }
  const heartbeatMs = positive("heartbeatMs", given.heartbeatMs ?? 1000);
  const leaseMs = positive("leaseMs", given.leaseMs ?? 3000);
  const relayTimeoutMs = positive("relayTimeoutMs", given.relayTimeoutMs ?? 1000);
  // A lease shorter than two heartbeats would lapse on one late beat, and every other node would drop this one.
  if (leaseMs < 2 * heartbeatMs) {
    throw new ChatwireError("INVALID_OPTION", `cluster.leaseMs (${leaseMs}) must be at least twice heartbeatMs`);
  }
  return { url, heartbeatMs, leaseMs, relayTimeoutMs };
}
