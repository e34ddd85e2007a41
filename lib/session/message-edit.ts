// `edit_message` (Chainlit's edit_message): an edit of one of the user's messages, run as a task in its turn.
import { ChatwireError } from "../errors.ts";
import type { LiveParts } from "./live-parts.ts";

/** What came after the message is removed (live and in the store), the message takes its new content, and
 * onMessage runs again with it. Throws EDITS_DISABLED or UNKNOWN_MESSAGE when it may not. */
export function editMessage<S extends object>(
  session: LiveParts<S>,
  clientId: string,
  messageId: string,
  content: string,
): void {
  if (!session.limits.editMessages) throw new ChatwireError("EDITS_DISABLED", "messages cannot be edited here");
  const unknown = () => new ChatwireError("UNKNOWN_MESSAGE", `no message of yours with id ${messageId}`);
  const { transcript } = session;
  if (transcript.userMessage(messageId) === undefined) throw unknown();
  session.tasks.run("onMessage", clientId, async (ctx) => {
    const target = transcript.userMessage(messageId);
    if (target === undefined) throw unknown(); // an earlier edit removed it
    for (const later of transcript.after(target.id)) await session.emit({ type: "message_delete", id: later });
    transcript.edit(target.id, content);
    const { id, author, createdAt, command } = target;
    // Stored, not sent: the client that edited shows it already, under an id of its own.
    session.link?.record({
      type: "message_update",
      message: { id, role: "user", author, content, createdAt, actions: [] },
    });
    return session.hooks.onMessage?.(ctx, {
      id,
      clientId,
      content,
      createdAt,
      files: [],
      ...(command === undefined ? {} : { command }),
    });
  });
}
