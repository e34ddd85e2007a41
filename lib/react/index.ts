// chatwire/react: useChat() over chatwire/client, through React's useSyncExternalStore. React is an optional peer
// dependency of chatwire; nothing React-specific lives in chatwire/client.
import { useEffect, useMemo, useState, useSyncExternalStore } from "react";
import { type ChatClient, type ChatSnapshot, type ConnectOptions, connect } from "../client/index.ts";

/** What useChat returns: the conversation's snapshot, the client's commands (stable across renders), the client. */
export interface UseChat extends ChatSnapshot {
  readonly client: ChatClient;
  readonly send: ChatClient["send"];
  readonly stop: ChatClient["stop"];
  readonly callAction: ChatClient["callAction"];
  readonly answerAsk: ChatClient["answerAsk"];
  readonly rate: ChatClient["rate"];
  readonly postWindowMessage: ChatClient["postWindowMessage"];
  /** Starts a new conversation, or reopens a stored thread (`client.open`). */
  readonly open: ChatClient["open"];
}

/**
 * The conversation of a chatwire client, re-rendered on every change. Given a URL, the hook connects on mount
 * (with `options`, read once) and closes the session on unmount; given a client, it leaves its life to the caller.
 * @example
 * function Chat() {
 *   const chat = useChat("wss://chat.example/ws");
 *   return h("ul", null, chat.messages.map((m) => h("li", { key: m.id }, m.content)));
 * }
 */
export function useChat(target: ChatClient | string, options?: ConnectOptions): UseChat {
  const [client] = useState(() => (typeof target === "string" ? connect(target, options) : target));
  const [thread] = useState(() => options?.thread); // read once, as the URL and the other options are
  const owned = typeof target === "string";
  useEffect(() => {
    // StrictMode mounts twice: the first unmount closed the client, the second mount opens a session again.
    if (owned && client.status === "closed") client.open(thread);
    return () => {
      if (owned) client.close();
    };
  }, [client, owned, thread]);
  const snapshot = useSyncExternalStore(client.subscribe, client.getSnapshot, client.getSnapshot);
  const commands = useMemo(
    () => ({
      client,
      send: client.send.bind(client),
      stop: client.stop.bind(client),
      callAction: client.callAction.bind(client),
      answerAsk: client.answerAsk.bind(client),
      rate: client.rate.bind(client),
      postWindowMessage: client.postWindowMessage.bind(client),
      open: client.open.bind(client),
    }),
    [client],
  );
  return useMemo(() => ({ ...snapshot, ...commands }), [snapshot, commands]);
}
