// What a `hello.resume` may have of a live session, and the welcome it gets: one rule, whether the client reached
// the node that holds the session or another node that relays for it (lib/cluster).
import { timingSafeEqual } from "node:crypto";
import { PROTOCOL_VERSION, type ResumeRequest } from "../protocol/client.ts";
import type { ServerFrameOf } from "../protocol/server.ts";
import type { User } from "../protocol/views.ts";
import type { Session } from "./session.ts";

/** Why a resume is refused, as `resume_failed` says it. */
export type ResumeRefusal = ServerFrameOf<"resume_failed">["reason"];

const sameSecret = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Why `target` cannot be resumed by this request and user, or undefined when it can. The token is checked first:
 * without it, nothing about the session is revealed.
 * @example const refusal = resumeRefusal(registry.get(request.sessionId), request, user?.identifier);
 */
export function resumeRefusal(
  target: Session | undefined,
  request: ResumeRequest,
  userIdentifier: string | undefined,
): ResumeRefusal | undefined {
  if (target === undefined) return "expired";
  if (!sameSecret(target.resumeToken, request.resumeToken)) return "forbidden";
  if (target.user?.identifier !== userIdentifier) return "forbidden";
  if (!target.canResume(request.lastSeq)) return "overflow";
  if (target.ended) return "expired";
  return undefined;
}

/** The `welcome` for a connection to `live` (seq 0: outside the session's numbering). */
export function welcomeFrame(
  live: Session,
  resumed: boolean,
  user: User | undefined,
  threadSecret?: string,
): ServerFrameOf<"welcome"> {
  return {
    seq: 0,
    type: "welcome",
    protocol: PROTOCOL_VERSION,
    sessionId: live.id,
    resumeToken: live.resumeToken,
    threadId: live.threadId,
    resumed,
    lastSeq: live.seq,
    ...(live.chatProfile === undefined ? {} : { chatProfile: live.chatProfile }),
    ...(threadSecret === undefined ? {} : { threadSecret }),
    ...(user === undefined ? {} : { user }),
  };
}
