// Feedback on a message: only this conversation's messages, recorded as it arrives, `onFeedback` on the event
// lane, and `feedback_saved` once what it changed is committed (or PERSISTENCE_FAILED if it was lost).
import { createHash } from "node:crypto";
import { ChatwireError } from "../errors.ts";
import type { Feedback } from "../hooks/payloads.ts";
import type { FeedbackHook } from "../hooks/table.ts";
import type { FeedbackFrame } from "../protocol/client.ts";
import type { EventLane } from "./event-lane.ts";
import type { LaneHost } from "./lane.ts";
import type { ThreadIds } from "./thread-ids.ts";
import type { ThreadLink } from "./thread-link.ts";

/**
 * The id of the feedback on a message: derived from the message id, so it is the same in every session, on every
 * node and after a resume (a message has one feedback at most).
 * @example feedbackIdOf("Uakgb_J5m9g-0JDMbcJqL") // "fb_…", 24 characters
 */
export const feedbackIdOf = (messageId: string): string =>
  `fb_${createHash("sha256").update(messageId).digest("base64url").slice(0, 21)}`;

/** What taking feedback needs of its session. */
export interface FeedbackDesk<S extends object> {
  readonly host: LaneHost<S>;
  readonly events: EventLane<S>;
  readonly ids: ThreadIds;
  readonly link: ThreadLink | undefined;
  readonly onFeedback: FeedbackHook<S> | undefined;
}

/** Takes one feedback command: UNKNOWN_MESSAGE for a message of another conversation. */
export function receiveFeedback<S extends object>(desk: FeedbackDesk<S>, command: FeedbackFrame): void {
  // Only this conversation's messages: an id from someone else's thread must not reach their stored steps.
  if (!desk.ids.owns(command.messageId)) {
    throw new ChatwireError("UNKNOWN_MESSAGE", `no message with id ${command.messageId} in this conversation`);
  }
  const feedbackId = feedbackIdOf(command.messageId);
  const { id: replyTo, messageId, value } = command;
  if (value === null) {
    desk.link?.deleteFeedback(messageId);
    desk.events.run("feedback", replyTo, () => acknowledge(desk, replyTo, feedbackId));
    return;
  }
  const feedback: Feedback = { id: feedbackId, messageId, value, comment: command.comment };
  desk.link?.recordFeedback(feedback);
  desk.events.run("onFeedback", replyTo, async (ctx) => {
    try {
      await desk.onFeedback?.(ctx, feedback);
    } finally {
      await acknowledge(desk, replyTo, feedbackId);
    }
  });
}

/**
 * Answers a feedback frame once what it changed is stored: `feedback_saved` after the thread's writes are
 * committed (so a crash right after loses nothing), `PERSISTENCE_FAILED` if one of them was lost.
 */
async function acknowledge<S extends object>(desk: FeedbackDesk<S>, replyTo: string, feedbackId: string) {
  try {
    await desk.link?.flush();
  } catch (error) {
    const { log, sessionId } = desk.host.parts;
    log.error({ err: error, sessionId }, "feedback not persisted");
    desk.host.emitError("PERSISTENCE_FAILED", "this feedback could not be saved", replyTo);
    return;
  }
  await desk.host.parts.emit({ type: "feedback_saved", replyTo, feedbackId });
}
