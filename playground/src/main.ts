// The playground page: wires the connection to the conversation, the composer, the microphone, the host window,
// the sign-in form and the thread list. Every server frame type has a case in `show`; `satisfies never` makes tsc
// fail on a new one nobody renders.

import { PAGE_CONFIG_META, parsePageConfig } from "../../lib/playground/page-config.ts";
import type { ActionView, MessageView, ServerFrame, ThreadRequest, User } from "../../lib/protocol/index.ts";
import { apiBase } from "./api.ts";
import { AudioRecorder } from "./audio.ts";
import { type Account, currentAccount, logIn, logOut, nameOf } from "./auth.ts";
import { Composer } from "./composer.ts";
import { Connection, gatewayUrl, type LinkState, type WelcomeKind } from "./connection.ts";
import { Conversation } from "./conversation.ts";
import { byId } from "./dom.ts";
import { newId } from "./ids.ts";
import type { MessageControls } from "./message.ts";
import { notify } from "./notices.ts";
import { SignIn } from "./sign-in.ts";
import { ThreadList } from "./thread-list.ts";
import { bridgeWindow } from "./window-bridge.ts";

const url = new URL(location.href);
// The server's allowlists (lib/playground/plugin.ts), read before any message can add elements to the page.
const config = parsePageConfig(document.querySelector<HTMLMetaElement>(`meta[name="${PAGE_CONFIG_META}"]`)?.content);
const gateway = gatewayUrl(url, config.gateways);
const api = apiBase(url, gateway.url);
const link = byId("link");
const conversation = new Conversation();
const tasks = new Set<string>();
/** Open text asks, oldest first: the next text the user sends answers the first. */
const textAsks: { askId: string; question: string }[] = [];
/** The message of each feedback frame waiting for its `feedback_saved`, by frame id. */
const feedbackSent = new Map<string, string>();
/** Ask messages by ask id, to disable their buttons when the ask ends. */
const askMessages = new Map<string, string>();
/** Pressed action buttons by action_call id: pressable again when the page is idle after a task_start that came
 * after the press (task_start names no frame, so this stands in for the action's own task_end), or on an error
 * about the press. */
const pressed = new Map<string, { release: () => void; started: boolean }>();
let you = "You";
let account: Account = { kind: "no-login" };

const connection = new Connection(gateway.url, {
  frame: show,
  state: showLink,
  welcome(welcome, how) {
    you = nameOf(welcome.user);
    if (!how.resumed) forgetTurns(); // nothing the old session had open (tasks, asks) goes on in a new one
    if (how.reopened)
      conversation.clear(); // the thread's whole history follows
    else if (how.replaced) conversation.divider("The previous session had ended: this is a new conversation");
    sayHowConnected(how);
    if (welcome.user !== undefined) {
      threads.current(welcome.threadId);
      void threads.enable();
    }
  },
});

const composer = new Composer(submit, () => connection.send({ type: "stop", id: newId("stop") }));
const recorder = new AudioRecorder(connection);
const toParent = bridgeWindow(url, config.parentOrigins, (data) =>
  connection.send({ type: "window_message", id: newId("window"), data }),
);
const threads = new ThreadList(api, { open: (id) => startConversation({ id }), fresh: () => startConversation() });
const signIn = new SignIn((username, password) => logIn(api, username, password), enter, signOut);
addEventListener("pagehide", () => connection.close());
if (gateway.refused !== undefined)
  notify(`Not connecting to ${gateway.refused}: the server does not allow that gateway.`, "warn", { sticky: true });
void boot();

/** Signed in (or nothing to sign in to): connect. Signed out: the form first; the upgrade would be refused. */
async function boot(message?: string): Promise<void> {
  account = await currentAccount(api);
  if (account.kind === "signed-in") enter(account.user);
  else if (account.kind === "no-login") enter(undefined);
  else {
    markLink("closed", "signed out");
    signIn.ask(message);
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
  await boot();
}

/** Closes the session and empties the page (signed out). */
function leave(): void {
  connection.close();
  threads.disable();
  forgetTurns();
  conversation.clear();
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
  forgetTurns();
  conversation.clear();
  connection.open(thread);
}

/** Drops what belonged to the previous session: running tasks, open asks, feedback waiting for its answer. */
function forgetTurns(): void {
  tasks.clear();
  textAsks.length = 0;
  feedbackSent.clear();
  askMessages.clear();
  pressed.clear();
  composer.busy(false);
  composer.answering(undefined);
}

const lostBecause = { expired: "it had expired", overflow: "too much was missed", forbidden: "it was not ours" };

function sayHowConnected(how: WelcomeKind): void {
  const why = how.lost === undefined ? "" : ` (${lostBecause[how.lost]})`;
  const unsent = how.dropped > 0 ? " What you did while offline was not sent." : "";
  if (how.resumed) notify("Reconnected: nothing was lost.", "info", { key: "link" });
  else if (how.replaced && how.reopened)
    notify(`The session could not be resumed${why}: the conversation was reopened.${unsent}`, "warn", { key: "link" });
  else if (how.replaced)
    notify(`The session could not be resumed${why}: this is a new conversation.${unsent}`, "warn", { key: "link" });
}

/** The user's text: the answer to the oldest open text ask, else a new message. */
function submit(text: string): void {
  // Drawn under the client's id: the server stores the message under its own id but sends nothing back that maps
  // one to the other (docs/protocol.md, user_message), so a later frame naming the server's id will not find it.
  const id = newId("msg");
  const ask = textAsks.shift();
  conversation.message(
    { id, role: "user", author: you, content: text, createdAt: new Date().toISOString(), actions: [] },
    { action: () => undefined },
  );
  if (ask === undefined) connection.send({ type: "user_message", id, content: text });
  else {
    connection.send({ type: "ask_reply", askId: ask.askId, content: text });
    composer.answering(textAsks[0]?.question);
  }
}

/** Controls of an app message: its actions call their callbacks; assistant messages take feedback. */
function controlsOf(view: MessageView): MessageControls {
  const action = (chosen: ActionView, release: () => void) => {
    const id = newId("action");
    pressed.set(id, { release, started: false });
    connection.send({ type: "action_call", id, actionId: chosen.id });
  };
  if (view.role !== "assistant") return { action };
  const feedback = (value: 0 | 1, comment: string | undefined) => {
    const id = newId("feedback");
    feedbackSent.set(id, view.id);
    connection.send({ type: "feedback", id, messageId: view.id, value, ...(comment === undefined ? {} : { comment }) });
    return id;
  };
  return { action, feedback };
}

const showMessage = (view: MessageView) => conversation.message(view, controlsOf(view));

/** Controls of an ask's message: its actions answer the ask. */
const askControls = (askId: string): MessageControls => ({
  action: (chosen) => connection.send({ type: "ask_reply", askId, actionId: chosen.id }), // ask_end disables them
});

function show(frame: ServerFrame): void {
  switch (frame.type) {
    case "message_new":
    case "stream_start":
    case "message_update":
      showMessage(frame.message);
      return;
    case "message_delete":
      conversation.remove(frame.id);
      return;
    case "stream_token":
      conversation.change(frame.id, (message) => message.appendToken(frame.token));
      return;
    case "stream_end":
      conversation.change(frame.id, (message) => message.endStream(frame.content));
      return;
    case "step":
      conversation.step(frame.step);
      return;
    case "thread_history":
      conversation.history(frame.steps, controlsOf);
      return;
    case "task_start":
      tasks.add(frame.taskId);
      composer.busy(true);
      for (const press of pressed.values()) press.started = true;
      return;
    case "task_end":
      tasks.delete(frame.taskId);
      composer.busy(tasks.size > 0);
      if (tasks.size === 0) releasePressed();
      threads.turnEnded(); // a conversation is stored from its first turn: the list may gain it
      return;
    case "ask": {
      conversation.message(frame.message, askControls(frame.askId)).root.classList.add("ask");
      askMessages.set(frame.askId, frame.message.id);
      if (frame.kind === "text") {
        textAsks.push({ askId: frame.askId, question: frame.message.content });
        composer.answering(textAsks[0]?.question);
      }
      return;
    }
    case "ask_end": {
      const open = textAsks.findIndex((ask) => ask.askId === frame.askId);
      if (open >= 0) textAsks.splice(open, 1);
      composer.answering(textAsks[0]?.question);
      if (frame.outcome !== "answered")
        notify(`The question ${frame.outcome === "timeout" ? "timed out" : "was cancelled"}.`, "info");
      disableAsk(frame.askId);
      return;
    }
    case "window_message":
      toParent(frame.data);
      return;
    case "audio_state":
      if (!frame.connected) recorder.stop();
      return;
    case "feedback_saved":
      conversation.get(feedbackSent.get(frame.replyTo) ?? "")?.feedback?.saved();
      feedbackSent.delete(frame.replyTo);
      return;
    case "error":
      notify(`${frame.code}: ${frame.message}`, "error");
      if (frame.replyTo !== undefined) {
        pressed.get(frame.replyTo)?.release(); // refused (UNKNOWN_ACTION, QUEUE_FULL) or failed: press again
        pressed.delete(frame.replyTo);
      }
      return;
    case "resume_failed":
      return; // the connection keeps the reason; the welcome that follows says what became of the conversation
    case "shutdown":
      notify("The server is restarting; reconnecting…", "warn", { key: "link", sticky: true });
      return;
    case "welcome":
      return; // handled by the connection
    default:
      frame satisfies never; // a frame type added to the protocol and not rendered here fails tsc
  }
}

/** The page is idle: buttons pressed before the tasks that just ran can be pressed again. */
function releasePressed(): void {
  for (const [id, press] of pressed) {
    if (!press.started) continue;
    press.release();
    pressed.delete(id);
  }
}

function disableAsk(askId: string): void {
  const messageId = askMessages.get(askId);
  if (messageId !== undefined) conversation.get(messageId)?.disable();
  askMessages.delete(askId);
}

function showLink(state: LinkState, detail?: string): void {
  markLink(state);
  if (state === "reconnecting" && detail !== undefined) notify(detail, "warn", { key: "link", sticky: true });
  if (state !== "open") recorder.stop();
  if (state !== "closed") return;
  if (detail === "unauthenticated" && account.kind === "signed-in") void refused();
  else notify(`Disconnected: ${detail ?? ""}`, "error", { key: "link", sticky: true });
}

function markLink(state: LinkState, text: string = state): void {
  link.dataset.state = state;
  link.textContent = text;
}
