// The glue between a live session and turn recovery (turn-recovery.ts, stored-asks.ts): what recovery may do with
// the session, made only when a reopened thread is looked at or a stored ask is answered.
import type { ErrorCode } from "../errors.ts";
import type { HookTable } from "../hooks/table.ts";
import type { OutgoingFrame } from "../protocol/server.ts";
import type { TaskLane } from "./lanes.ts";
import type { LiveParts } from "./live-parts.ts";
import type { RecoveryHost } from "./turn-recovery.ts";

/** What turn recovery needs of `session`: the hooks as they are now, its errors and frames, its task lane. */
export function recoveryHost<S extends object>(session: LiveParts<S>): RecoveryHost<S> {
  return {
    get hooks(): HookTable<S> {
      return session.hooks;
    },
    get ended() {
      return session.ended;
    },
    log: session.parts.log,
    files: session.files,
    notify: (frame: OutgoingFrame) => session.notify(frame),
    emitError: (code: ErrorCode, message: string, replyTo?: string) => session.emitError(code, message, replyTo),
    runTask: (hook: string, run: Parameters<TaskLane<S>["run"]>[2], turn: Parameters<TaskLane<S>["run"]>[5]) =>
      session.tasks.run(hook, undefined, run, 0, undefined, turn),
  };
}
