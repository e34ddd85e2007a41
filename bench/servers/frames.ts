// The conversation the floor servers (raw ws, socket.io) answer with: the same frames, fields and sizes as
// chatwire's gateway sends, built with plain object literals. They do no validation and keep no session.

let counter = 0;
/** A 24-character id, the length of chatwire's message ids (thread tag + 16 random), from a counter (no randomness). */
const nextId = () => (counter++).toString(36).padStart(24, "0");

/** A plain object frame; the servers serialise it with JSON.stringify (or socket.io does). */
export type Frame = Record<string, unknown>;

/** What a connection knows: its frame counter. */
export interface Conversation {
  seq: number;
}

export const welcome = (): Frame => ({
  seq: 0,
  type: "welcome",
  protocol: 1,
  sessionId: nextId(),
  resumeToken: nextId() + nextId().slice(10),
  threadId: nextId(),
  resumed: false,
  lastSeq: 0,
});

const message = (content: string) => ({
  id: nextId(),
  role: "assistant",
  author: "Assistant",
  content,
  createdAt: new Date().toISOString(),
  actions: [],
});

/** `/stream N` asks for N tokens; anything else gets an echo. */
export const streamLength = (content: string): number | undefined =>
  content.startsWith("/stream ") ? Number(content.slice(8)) : undefined;

/** The token the apps stream (four characters, about an LLM token). */
export const TOKEN = "tok ";

const keepsUp = (): undefined => undefined;

/**
 * Answers one user message by calling `send` with each frame in order: task_start, message_new, task_end, or for a
 * stream request task_start, stream_start, one stream_token per token, stream_end, task_end. Before each token a
 * stream awaits `behind()` when it returns a promise (a socket above its high-water mark); without it the whole
 * answer is sent synchronously.
 */
export function answer(
  conversation: Conversation,
  content: string,
  send: (frame: Frame) => void,
  behind: () => Promise<void> | undefined = keepsUp,
): void | Promise<void> {
  const taskId = nextId();
  send({ seq: ++conversation.seq, type: "task_start", taskId });
  const tokens = streamLength(content);
  if (tokens === undefined) {
    send({ seq: ++conversation.seq, type: "message_new", message: message(`echo: ${content}`) });
    send({ seq: ++conversation.seq, type: "task_end", taskId });
    return;
  }
  return stream(conversation, taskId, tokens, send, behind);
}

async function stream(
  conversation: Conversation,
  taskId: string,
  tokens: number,
  send: (frame: Frame) => void,
  behind: () => Promise<void> | undefined,
): Promise<void> {
  const streamed = message("");
  send({ seq: ++conversation.seq, type: "stream_start", message: streamed });
  for (let i = 0; i < tokens; i++) {
    const wait = behind();
    if (wait !== undefined) await wait;
    send({ seq: ++conversation.seq, type: "stream_token", id: streamed.id, token: TOKEN });
  }
  send({ seq: ++conversation.seq, type: "stream_end", id: streamed.id, content: TOKEN.repeat(tokens) });
  send({ seq: ++conversation.seq, type: "task_end", taskId });
}
