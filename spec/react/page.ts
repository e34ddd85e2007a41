// A small React page on chatwire/react, bundled by use-chat.test.ts with esbuild and driven in Chromium: a log of
// messages with their action buttons, a composer that answers the open text ask first, a stop button.
import { createElement as h, StrictMode, useState } from "react";
import { createRoot } from "react-dom/client";
import { useChat } from "../../lib/react/index.ts";

const gateway = new URL("/ws", location.href.replace(/^http/, "ws")).href;

function App() {
  const chat = useChat(gateway, { reconnect: { initialDelayMs: 50, maxDelayMs: 500 } });
  const [text, setText] = useState("");
  const ask = chat.asks.find((open) => open.kind === "text");
  const messages = chat.messages.map((message) =>
    h(
      "li",
      { key: message.id, className: `message ${message.role}`, "data-streaming": String(message.streaming) },
      h("span", { className: "content" }, message.content),
      message.actions.map((action) =>
        h(
          "button",
          {
            key: action.id,
            type: "button",
            disabled: !message.live || message.ask?.open === false || chat.pressed.includes(action.id),
            onClick: () => {
              if (message.ask) chat.answerAsk(message.ask.askId, { action });
              else chat.callAction(action).catch(() => undefined);
            },
          },
          action.label,
        ),
      ),
    ),
  );
  const submit = (event: SubmitEvent | { preventDefault(): void }) => {
    event.preventDefault();
    if (ask === undefined) chat.send(text);
    else chat.answerAsk(ask.askId, text);
    setText("");
  };
  return h(
    "main",
    { "data-status": chat.status, "data-busy": String(chat.busy) },
    h("ol", { id: "log" }, messages),
    h(
      "form",
      { onSubmit: submit },
      h("input", {
        id: "input",
        value: text,
        placeholder: ask?.message.content ?? "Message",
        onChange: (event: { target: HTMLInputElement }) => setText(event.target.value),
      }),
      h("button", { type: "submit" }, "Send"),
      chat.busy ? h("button", { id: "stop", type: "button", onClick: () => chat.stop() }, "Stop") : null,
    ),
  );
}

const root = document.getElementById("root");
if (root !== null) createRoot(root).render(h(StrictMode, null, h(App)));
