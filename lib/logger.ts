// The logger every layer takes: pino's calling convention, so fastify's logger fits as it is. A leaf module (it
// imports nothing), so data/, session/ and context/ all reach it without an upward arrow.

/** A structured logger: `log.info({ key: value }, "message")` or `log.info("message")`. */
export interface Logger {
  debug(obj: unknown, msg?: string): void;
  info(obj: unknown, msg?: string): void;
  warn(obj: unknown, msg?: string): void;
  error(obj: unknown, msg?: string): void;
}

/** One recorded log call, as the fake context keeps them. */
export interface LogEntry {
  readonly level: "debug" | "info" | "warn" | "error";
  readonly obj: unknown;
  readonly msg?: string;
}

/** A logger that keeps every call in `entries`, for tests. */
export function createRecordingLogger(): Logger & { readonly entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry["level"]) =>
    (obj: unknown, msg?: string): void => {
      entries.push(msg === undefined ? { level, obj } : { level, obj, msg });
    };
  return { entries, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** A logger that drops everything. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
