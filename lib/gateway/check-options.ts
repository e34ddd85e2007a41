// The start-up check of the gateway's options, in one place: a value no type allows (from JavaScript, or from an
// environment variable turned into NaN) fails here with INVALID_OPTION naming the option, not later as a limit that
// refuses everything or a timer that fires at once.
import { ChatwireError } from "../errors.ts";
import { MAX_TIMER_MS } from "../runtime/timers.ts";
import type { McpPolicy } from "../session/mcp-policy.ts";
import { MID_REPLY_POLICIES, type MidReplyPolicy } from "../session/session.ts";

/** The options that become a timer's delay: above MAX_TIMER_MS, Node would fire them after 1 ms. */
const TIMER_OPTIONS = [
  "helloTimeoutMs",
  "askTimeoutMs",
  "maxAskTimeoutMs",
  "taskTimeoutMs",
  "endGraceMs",
  "reconnectGraceMs",
  "stallTimeoutMs",
  "writeTimeoutMs",
  "shareViewTimeoutMs",
  "revocationCheckMs",
  "orphanSweepMs",
] as const;

/** The options this check reads by name; the numeric ones are found by their defaults. */
interface Checked {
  readonly askTimeoutMs: number;
  readonly maxAskTimeoutMs: number;
  readonly midReply: MidReplyPolicy;
  readonly mcp?: McpPolicy | undefined;
  readonly auth?: { readonly ttlSeconds?: number | undefined } | undefined;
}

const invalid = (message: string) => new ChatwireError("INVALID_OPTION", message);

/** Throws INVALID_OPTION unless `value` is a finite number ≥ 0 (and at most `max`). */
export function checkNumber(name: string, value: unknown, max = Number.POSITIVE_INFINITY): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw invalid(`${name} must be a finite number ≥ 0, not ${String(value)}`);
  }
  if (value > max) throw invalid(`${name} must be at most ${max} ms (Node's longest timer), not ${value}`);
}

/**
 * Checks the resolved options: every option whose default is a number is a finite number ≥ 0, every timer fits
 * Node's timers, the ask timeout lies within `maxAskTimeoutMs`, and `midReply`, the token lifetime and the MCP
 * limits are valid.
 * @example checkOptions({ ...defaults, ...given }, defaults);
 */
export function checkOptions(options: Checked, defaults: Readonly<Record<string, unknown>>): void {
  const values = options as unknown as Readonly<Record<string, unknown>>;
  for (const [name, fallback] of Object.entries(defaults)) {
    if (typeof fallback === "number") checkNumber(name, values[name]);
  }
  for (const name of TIMER_OPTIONS) checkNumber(name, values[name], MAX_TIMER_MS);
  if (options.maxAskTimeoutMs <= 0) throw invalid("maxAskTimeoutMs must be above 0");
  if (options.askTimeoutMs <= 0 || options.askTimeoutMs > options.maxAskTimeoutMs) {
    throw invalid(`askTimeoutMs must be above 0 and at most maxAskTimeoutMs, not ${options.askTimeoutMs}`);
  }
  if (!MID_REPLY_POLICIES.includes(options.midReply)) {
    const allowed = MID_REPLY_POLICIES.join(", ");
    throw invalid(`midReply must be one of ${allowed}, not ${String(options.midReply)}`);
  }
  if (options.auth?.ttlSeconds !== undefined) checkNumber("auth.ttlSeconds", options.auth.ttlSeconds);
  const mcp = options.mcp;
  if (mcp !== undefined) {
    for (const name of ["maxServersPerSession", "maxToolResultBytes"] as const) {
      if (mcp[name] !== undefined) checkNumber(`mcp.${name}`, mcp[name]);
    }
    if (mcp.connectTimeoutMs !== undefined) checkNumber("mcp.connectTimeoutMs", mcp.connectTimeoutMs, MAX_TIMER_MS);
  }
}
