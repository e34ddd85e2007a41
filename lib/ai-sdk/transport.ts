// A ChatTransport for the AI SDK's chat (package `ai`, v6): each turn is a user_message on one chatwire session;
// the frames of the task it starts come back as UI message chunks until the session is idle again. The SDK's stop
// sends `stop`; a dropped socket is resumed by chatwire/client underneath, so the stream simply goes on; and
// reconnectToStream (the SDK's resumeStream) replays the running turn from its first chunk, then follows it live.
import type { ChatTransport, UIMessage, UIMessageChunk } from "ai";
import { type ChatClient, type ConnectOptions, connect } from "../client/index.ts";
import type { ServerFrame } from "../protocol/index.ts";
import { ChunkMapper } from "./chunks.ts";

/** One turn: the chunks so far (for a replay) and the streams that read it. */
class Turn {
  readonly chunks: UIMessageChunk[] = [{ type: "start" }];
  readonly #readers = new Set<ReadableStreamDefaultController<UIMessageChunk>>();
  done = false;

  /** A stream of this turn from its first chunk. */
  stream(): ReadableStream<UIMessageChunk> {
    let reader: ReadableStreamDefaultController<UIMessageChunk> | undefined;
    return new ReadableStream<UIMessageChunk>({
      start: (controller) => {
        reader = controller;
        for (const chunk of this.chunks) controller.enqueue(chunk);
        if (this.done) controller.close();
        else this.#readers.add(controller);
      },
      cancel: () => {
        if (reader) this.#readers.delete(reader);
      },
    });
  }

  push(chunks: readonly UIMessageChunk[]): void {
    if (this.done) return;
    for (const chunk of chunks) {
      this.chunks.push(chunk);
      for (const reader of this.#readers) reader.enqueue(chunk);
    }
  }

  end(chunks: readonly UIMessageChunk[]): void {
    this.push(chunks);
    this.done = true;
    for (const reader of this.#readers) reader.close();
    this.#readers.clear();
  }
}

/** The text of a UI message's text parts. */
const textOf = (message: UIMessage | undefined): string =>
  (message?.parts ?? []).flatMap((part) => (part.type === "text" ? [part.text] : [])).join("");

/**
 * The AI SDK's chat over a chatwire session.
 * @example
 * const transport = new ChatwireTransport("wss://chat.example/ws");
 * const chat = new Chat({ transport }); // @ai-sdk/react's useChat({ transport }) alike
 */
export class ChatwireTransport<M extends UIMessage = UIMessage> implements ChatTransport<M> {
  /** reconnectToStream answers the whole running turn again, from its first chunk. */
  readonly resumeStreamIsReplay = true;
  /** The chatwire client underneath: its snapshot, asks (`answerAsk`), actions, feedback. */
  readonly client: ChatClient;
  readonly #turns = new Map<string, Turn>();

  /** A client to use, or a gateway URL to connect to (with `options`). */
  constructor(client: ChatClient | string, options?: ConnectOptions) {
    this.client = typeof client === "string" ? connect(client, options) : client;
  }

  sendMessages: ChatTransport<M>["sendMessages"] = async ({ chatId, messages, abortSignal }) => {
    // chatwire has no regenerate: both triggers send the last user message's text as a new turn.
    const text = textOf(messages.findLast((message) => message.role === "user"));
    const turn = new Turn();
    this.#turns.get(chatId)?.end([{ type: "abort", reason: "a new turn began" }]);
    this.#turns.set(chatId, turn);
    const mapper = new ChunkMapper();
    let sentId: string | undefined;
    let running = false;
    const finish = (last: UIMessageChunk) => {
      for (const stop of listening) stop();
      turn.end([...mapper.close(), last]);
    };
    const listening = [
      // Our task's frames: the session runs one task at a time, so what comes between its start and end is its.
      this.client.on("frame", (frame: ServerFrame) => {
        if (frame.type === "error" && frame.replyTo !== undefined && frame.replyTo === sentId)
          finish({ type: "error", errorText: `${frame.code}: ${frame.message}` });
        else if (running) turn.push(mapper.map(frame));
      }),
      this.client.on("task", (task) => {
        if (task.request !== sentId) return;
        running = task.state === "started";
        if (task.state === "ended") finish({ type: "finish" });
      }),
    ];
    abortSignal?.addEventListener(
      "abort",
      () => {
        if (turn.done) return;
        if (this.client.status !== "closed") this.client.stop();
        finish({ type: "abort", reason: "stopped" });
      },
      { once: true },
    );
    sentId = this.client.send(text);
    return turn.stream();
  };

  reconnectToStream: ChatTransport<M>["reconnectToStream"] = async ({ chatId }) => {
    const turn = this.#turns.get(chatId);
    return turn === undefined || turn.done ? null : turn.stream();
  };
}
