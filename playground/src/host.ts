// The example host page (host.html): embeds the chat in an iframe, posts to it, lists what the app sends back.
import { byId, h } from "./dom.ts";

const frame = byId<HTMLIFrameElement>("chat");
const received = byId("received");
const input = byId<HTMLInputElement>("data");

// The chat page is this folder's index.html; `?ws=` and other options pass through.
frame.src = `./${location.search}`;

addEventListener("message", (event) => {
  // Only the chat in our iframe, from our own origin, may talk to this page.
  if (event.source !== frame.contentWindow || event.origin !== location.origin) return;
  received.append(h("li", { class: "host-message" }, JSON.stringify(event.data)));
});

byId<HTMLFormElement>("post").addEventListener("submit", (event) => {
  event.preventDefault();
  let data: unknown = input.value;
  try {
    data = JSON.parse(input.value);
  } catch {
    // not JSON: post the text as it is
  }
  frame.contentWindow?.postMessage(data, location.origin);
});
