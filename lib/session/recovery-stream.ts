// How a recovered turn's frames continue what the client was shown (docs/durability.md): the turn makes the same
// ids as its first attempt (turn-journal.ts), so its answer message is one the stored thread has already. That
// message is reopened from its stored partial, marked `recovered`, and of the text the handler streams again only
// what goes beyond that partial is sent: no second message, no token twice.
import type { OutgoingFrame } from "../protocol/server.ts";
import type { MessageView } from "../protocol/views.ts";

/** A message of the stored thread, as far as continuing it goes. */
export interface StoredMessage {
  readonly content: string;
  readonly createdAt: string;
}

type Emit = (frame: OutgoingFrame) => void | Promise<void>;

/** What is shown of one reopened stream, and what the handler has streamed into it in this attempt. */
interface Continued {
  shown: string;
  streamed: string;
}

/** Wraps a recovered turn's `emit`; `touched` collects the stored messages the turn sent again. */
export function continuingEmit(emit: Emit, stored: ReadonlyMap<string, StoredMessage>, touched: Set<string>): Emit {
  const streams = new Map<string, Continued>();
  const reopened = (message: MessageView, content: string): MessageView => {
    const before = stored.get(message.id);
    return { ...message, content, ...(before === undefined ? {} : { createdAt: before.createdAt }), recovered: true };
  };
  return (frame) => {
    switch (frame.type) {
      case "stream_start": {
        const before = stored.get(frame.message.id);
        if (before === undefined) return emit(frame);
        touched.add(frame.message.id);
        streams.set(frame.message.id, { shown: before.content, streamed: frame.message.content });
        const content = frame.message.content.length > before.content.length ? frame.message.content : before.content;
        return emit({ ...frame, message: reopened(frame.message, content) });
      }
      case "stream_token": {
        const stream = streams.get(frame.id);
        if (stream === undefined) return emit(frame);
        stream.streamed = frame.replace === true ? frame.token : stream.streamed + frame.token;
        const { shown, streamed } = stream;
        if (shown.startsWith(streamed)) return; // shown already, before the node was lost
        stream.shown = streamed;
        if (streamed.startsWith(shown))
          return emit({ type: "stream_token", id: frame.id, token: streamed.slice(shown.length) });
        return emit({ type: "stream_token", id: frame.id, token: streamed, replace: true }); // this attempt differs
      }
      case "stream_end":
        streams.delete(frame.id);
        return emit(frame);
      case "message_new":
        if (!stored.has(frame.message.id)) return emit(frame);
        touched.add(frame.message.id);
        return emit({ type: "message_update", message: reopened(frame.message, frame.message.content) });
      default:
        return emit(frame);
    }
  };
}
