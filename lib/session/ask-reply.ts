// `ask_reply`: the answer to an ask. A live ask of this session is settled here; a file ask's uploads are claimed
// first; an ask no handler here awaits may be a stored one, answered through turn recovery (stored-asks.ts).
import { ChatwireError } from "../errors.ts";
import type { AskReply } from "../protocol/client.ts";
import { claimFiles } from "./files.ts";
import type { LiveParts } from "./live-parts.ts";
import { recoveryHost } from "./recovery-host.ts";
import { answerStoredAsk } from "./stored-asks.ts";

/** Settles the ask `reply` answers. A file ask's files are checked against the ask's rules before it is settled; a
 * refused file leaves the ask open for another try. */
export function askReply<S extends object>(session: LiveParts<S>, reply: AskReply): void {
  const { asks, durable } = session;
  if (!asks.has(reply.askId) && durable !== undefined) {
    const who = { sessionId: session.id, thread: session.reopened, user: session.user?.identifier };
    answerStoredAsk(recoveryHost(session), durable, reply, who).catch((error: unknown) =>
      session.fail("ask_reply", error, reply.askId, undefined),
    );
    return;
  }
  const rules = asks.fileRules(reply.askId);
  if (rules === undefined) {
    asks.answer(reply);
    return;
  }
  if (reply.files === undefined || reply.files.length === 0) {
    throw new ChatwireError("BAD_FRAME", "ask_reply: a file ask needs `files`");
  }
  const who = { sessionId: session.id, threadId: session.threadId };
  claimFiles(session.files, reply.files, who, rules).then(
    (files) => asks.answerFiles(reply.askId, files),
    (error: unknown) => session.fail("ask_reply", error, reply.askId, undefined),
  );
}
