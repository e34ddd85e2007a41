// The playground page: chatwire/client keeps the connection and the conversation; this wires its snapshot and
// events to the log, the composer, the microphone, the speaker, the host window, the sign-in form and the thread list.
import {
  type ChatClient,
  type ChatMessage,
  type ChatSnapshot,
  type ConnectionStatus,
  connect,
  type SessionEvent,
} from "../../lib/client/index.ts";
import { PAGE_CONFIG_META, parsePageConfig } from "../../lib/playground/page-config.ts";
import type { ServerFrame, ThreadRequest, User } from "../../lib/protocol/index.ts";
import { apiBase } from "./api.ts";
import { Attachments } from "./attach.ts";
import { AudioRecorder } from "./audio.ts";
import { type Account, currentAccount, logIn, logOut, signInOptions } from "./auth.ts";
import { Composer } from "./composer.ts";
import { Conversation } from "./conversation.ts";
import { byId } from "./dom.ts";
import { FavoritesPicker } from "./favorites.ts";
import { gatewayUrl } from "./gateway.ts";
import { McpDialog } from "./mcp-dialog.ts";
import type { MessageControls } from "./message.ts";
import { notify } from "./notices.ts";
import { ShareButton } from "./share-button.ts";
import { LINK_REFUSED, showSharedThread } from "./shared-page.ts";
import { SignIn } from "./sign-in.ts";
import { Speaker } from "./speaker.ts";
import { Surface } from "./surface.ts";
import { ThreadList } from "./thread-list.ts";
import { bridgeWindow } from "./window-bridge.ts";

const url = new URL(location.href);
// The server's allowlists (lib/playground/plugin.ts), read before any message can add elements to the page.
const config = parsePageConfig(document.querySelector<HTMLMetaElement>(`meta[name="${PAGE_CONFIG_META}"]`)?.content);
const gateway = gatewayUrl(url, config.gateways);
const api = apiBase(url, gateway.url);
const link = byId("link");
const usage = byId("usage");
let account: Account = { kind: "no-login" };
/** The page's client while it has one (signed in, or nothing to sign in to). */
let client: ChatClient | undefined;
let stopListening: (() => void)[] = [];

const conversation = new Conversation({
  controls: controlsOf,
  divider: "The previous session had ended: this is a new conversation",
});
const composer = new Composer(submit, () => client?.stop());
const attachments = new Attachments(
  () => client,
  (text) => notify(text, "error"),
);
const speaker = new Speaker();
// Pressing the microphone stops the assistant's speech at once (barge-in), before the permission prompt.
const recorder = new AudioRecorder(
  () => client,
  () => speaker.bargeIn(),
);
const favorites = new FavoritesPicker((text) => composer.fill(text));
const surface = new Surface(
  () => client,
  (text) => client?.send(text),
);
const toParent = bridgeWindow(url, config.parentOrigins, (data) => client?.postWindowMessage(data));
const threads = new ThreadList(() => client?.threads, {
  open: (id) => startConversation({ id }),
  fresh: () => startConversation(),
});
const share = new ShareButton(() => client?.threads, url);
const mcp = new McpDialog(() => client);
/** `?share=<id>`: this page shows that shared thread, read-only, and follows it live (a viewer socket). */
const shareId = url.searchParams.get("share");
const signIn = new SignIn(
  (username, password) => logIn(api, username, password),
  (user) => (shareId === null ? enter(user) : readShared(shareId, user)),
  signOut,
);
addEventListener("pagehide", () => client?.close());
if (gateway.refused !== undefined)
  notify(`Not connecting to ${gateway.refused}: the server does not allow that gateway.`, "warn", { sticky: true });
if (shareId === null) void boot();
else void readShared(shareId);

/** The shared thread; refused while signed out, the sign-in form (the app may let signed-in users read it). */
async function readShared(id: string, user?: User): Promise<void> {
  if (user !== undefined) signIn.signedIn(user, true);
  const signedOut = user === undefined && (await currentAccount(api)).kind === "signed-out";
  // Following it live takes a socket, which the gateway opens only to a user it accepts: signed out, as read.
  if (await showSharedThread(api, id, signedOut ? undefined : gateway.url)) return;
  if (signedOut) {
    signIn.ask(`${LINK_REFUSED} Signed in, you may read it.`, await signInOptions(api));
  }
}

/** Signed in (or nothing to sign in to): connect. Signed out: the form first; the upgrade would be refused. */
async function boot(message?: string): Promise<void> {
  account = await currentAccount(api);
  if (account.kind === "signed-in") enter(account.user);
  else if (account.kind === "no-login") enter(undefined);
  else {
    markLink("closed", "signed out");
    signIn.ask(message, await signInOptions(api));
  }
}

/** The page with a session: the cookie set by the login now goes along with the WebSocket upgrade. */
function enter(user: User | undefined): void {
  if (user !== undefined) account = { kind: "signed-in", user };
  signIn.signedIn(user, account.kind === "signed-in");
  startConversation();
}

async function signOut(): Promise<void> {
  leave();
  await logOut(api);
  // A shared thread's page stays one: it reads the link again, now as nobody.
  if (shareId === null) await boot();
  else location.reload();
}

/** Closes the session and empties the page (signed out). */
function leave(): void {
  for (const stop of stopListening) stop();
  stopListening = [];
  client?.close();
  client = undefined;
  threads.disable();
  share.thread(undefined);
  mcp.disable();
  render(undefined);
}

/** The upgrade was refused (4401): if the token expired or was revoked, sign in again; else say why. */
async function refused(): Promise<void> {
  if ((await currentAccount(api)).kind !== "signed-out") {
    notify("Disconnected: the server refused this user.", "error", { key: "link", sticky: true });
    return;
  }
  leave();
  await boot("Your session has ended: sign in again.");
}

/** A new session on a clean page: a new conversation, or the stored `thread` reopened with its history. */
function startConversation(thread?: ThreadRequest): void {
  if (client !== undefined) {
    client.open(thread);
    return;
  }
  const chat = connect(gateway.url, { api, ...(thread ? { thread } : {}) });
  client = chat;
  let queued = false;
  stopListening = [
    chat.subscribe(() => {
      if (queued) return;
      queued = true; // one render for the frames of one socket message
      queueMicrotask(() => {
        queued = false;
        if (client === chat) render(chat.getSnapshot());
      });
    }),
    chat.on("frame", notice),
    speaker.attach(chat),
    chat.on("frame", (frame) => mcp.frame(frame)),
    chat.on("connected", (event) => welcomed(event, false)),
    chat.on("reopened", (event) => welcomed(event, true)),
    chat.on("resumed", ({ welcome }) => {
      mcp.session(false, welcome.mcp); // the same session: its MCP servers are still connected
      notify("Reconnected: nothing was lost.", "info", { key: "link" });
    }),
    chat.on("offline", ({ retryInMs }) => {
      notify(`connection lost, reconnecting in ${Math.ceil(retryInMs / 1000)} s…`, "warn", {
        key: "link",
        sticky: true,
      });
      recorder.stop();
    }),
    chat.on("closed", ({ code, reason, byClient }) => {
      recorder.stop();
      if (byClient) return;
      if (code === 4401 && account.kind === "signed-in") void refused();
      else notify(`Disconnected: ${reason}`, "error", { key: "link", sticky: true });
    }),
  ];
}

const toastKinds = { info: "info", success: "info", warning: "warn", error: "error" } as const;

const lostBecause = { expired: "it had expired", overflow: "too much was missed", forbidden: "it was not ours" };

/** A new session: after a lost one, say what became of the conversation. */
function welcomed({ welcome, replaced, lost, dropped }: SessionEvent, reopened: boolean): void {
  const why = lost === undefined ? "" : ` (${lostBecause[lost]})`;
  const unsent = dropped > 0 ? " What you did while offline was not sent." : "";
  if (replaced) {
    const outcome = reopened ? "the conversation was reopened" : "this is a new conversation";
    notify(`The session could not be resumed${why}: ${outcome}.${unsent}`, "warn", { key: "link" });
  }
  void surface.loadProfiles();
  mcp.session(true, welcome.mcp); // a new session: the last one's MCP servers closed with it
  usage.hidden = true; // a new session: its first usage frame shows the thread's sums again
  share.thread(undefined);
  if (welcome.user !== undefined) {
    threads.current(welcome.threadId);
    // Share where the server stores this user's threads (it lists them): else there is nothing to share.
    void threads.enable().then((listed) => {
      if (listed && client?.getSnapshot().session?.threadId === welcome.threadId) share.thread(welcome.threadId);
    });
  }
}

/** The message being edited (its id), while the composer holds its text. */
let editing: string | undefined;

/** The user's text: an edit, the answer to the oldest open text ask, else a new message (with the files attached). */
function submit(text: string): void {
  if (editing !== undefined) {
    client?.editMessage(editing, text);
    editing = undefined;
    composer.editing(undefined);
    return;
  }
  const ask = client?.getSnapshot().asks.find((open) => open.kind === "text");
  const command = surface.takeCommand();
  const files = attachments.take();
  if (ask === undefined) client?.send(text, { files, ...(command === undefined ? {} : { command }) });
  else client?.answerAsk(ask.askId, text);
}

/** Controls of a message: an ask's actions answer it; other actions call their callbacks, and a pressed button is
 * released when its task is over (or refused); assistant messages take feedback. */
function controlsOf(message: ChatMessage): MessageControls {
  const ask = message.ask;
  if (ask !== undefined) return { action: (chosen) => client?.answerAsk(ask.askId, { action: chosen }) };
  const action: MessageControls["action"] = (chosen, release) => {
    client?.callAction(chosen).then(release, release);
  };
  if (message.role === "user" && message.live) {
    const edit = () => {
      editing = message.id;
      composer.editing(message.content);
    };
    // Favorites are kept per user: the star shows only to a signed-in user (refusals show as notices).
    const signedIn = client?.getSnapshot().session?.user !== undefined;
    const favorite = (on: boolean) => {
      client?.favorite(message.id, on).catch(() => undefined);
    };
    return { action, edit, ...(signedIn ? { favorite } : {}) };
  }
  if (message.role !== "assistant") return { action };
  const feedback = (value: 0 | 1, comment: string | undefined) => {
    client?.rate(message.id, value, comment).then(
      () => conversation.get(message.id)?.feedback?.saved(),
      () => undefined, // the error frame shows as a notice
    );
    return message.id;
  };
  return { action, feedback };
}

let shownStatus: ConnectionStatus | undefined;

/** Draws the snapshot: the log, the composer's state, the connection indicator. */
function render(snapshot: ChatSnapshot | undefined): void {
  conversation.render(snapshot?.tree ?? []);
  composer.busy(snapshot?.busy ?? false);
  const fileAsk = snapshot?.asks.find((ask) => ask.kind === "file");
  composer.answering(
    snapshot?.asks.find((ask) => ask.kind === "text")?.message.content ??
      (fileAsk === undefined ? undefined : `${fileAsk.message.content} (attach files with 📎)`),
  );
  attachments.asking(fileAsk);
  surface.render(snapshot);
  favorites.render(snapshot?.favorites ?? []);
  if (snapshot !== undefined && snapshot.status !== shownStatus) markLink(snapshot.status);
  shownStatus = snapshot?.status;
}

/** Frames that show as notices or leave the page, not as conversation state. */
function notice(frame: ServerFrame): void {
  if (frame.type === "error") notify(`${frame.code}: ${frame.message}`, "error");
  else if (frame.type === "ask_end" && frame.outcome !== "answered")
    notify(`The question ${frame.outcome === "timeout" ? "timed out" : "was cancelled"}.`, "info");
  else if (frame.type === "window_message") toParent(frame.data);
  else if (frame.type === "shutdown")
    notify("The server is restarting; reconnecting…", "warn", { key: "link", sticky: true });
  else if (frame.type === "task_end")
    void threads.turnEnded(); // a conversation is stored from its first turn
  else if (frame.type === "toast") notify(frame.message, toastKinds[frame.level], { key: "toast" });
  else if (frame.type === "usage") {
    // ctx.reportUsage: the conversation's tokens, this turn's in brackets.
    const { thread, turn } = frame;
    usage.textContent = `${thread.inputTokens} in · ${thread.outputTokens} out (${turn.inputTokens} · ${turn.outputTokens})`;
    usage.hidden = false;
  } else if (frame.type === "notice") {
    // `chatwire run --watch`: a failed reload stays on screen until the next reload replaces it.
    const failed = frame.code === "APP_RELOAD_FAILED";
    notify(frame.message, failed ? "error" : "info", { key: "reload", sticky: failed });
  }
}

function markLink(state: ConnectionStatus, text: string = state): void {
  link.dataset.state = state;
  link.textContent = text;
}
