// A page on the published @chainlit/react-client (React 18 and Recoil, its declared peers), bundled by
// spec/adapters/chainlit-react.test.ts with esbuild and driven in Chromium against a chatwire app: password login
// through the client's API, the conversation (messages nested with their steps), action buttons that answer an
// action ask or call the action, a composer that uploads files and answers an open ask first, stop, thumbs up, edit, the settings
// form, logout, the thread list, and `?thread=<id>` to reopen one (as Chainlit's /thread/:id route does).
import {
  ChainlitAPI,
  ChainlitContext,
  type IAction,
  type IStep,
  sessionIdState,
  threadIdToResumeState,
  useAuth,
  useChatData,
  useChatInteract,
  useChatMessages,
  useChatSession,
  useConfig,
} from "@chainlit/react-client";
import { createElement as h, type ReactNode, StrictMode, useContext, useEffect, useState } from "react";
import { createRoot } from "react-dom/client";
import { type MutableSnapshot, RecoilRoot, type RecoilRootProps, useRecoilValue } from "recoil";

const api = new ChainlitAPI(location.origin, "webapp");
const threadToResume = new URLSearchParams(location.search).get("thread") ?? undefined;
/** What the test reads besides the DOM: the client's session id. */
const exposed = window as unknown as { chainlitSessionId?: string };

function Login() {
  const client = useContext(ChainlitContext);
  const { setUserFromAPI } = useAuth();
  const [failed, setFailed] = useState("");
  const submit = (event: { preventDefault(): void; currentTarget: HTMLFormElement }) => {
    event.preventDefault();
    client
      .passwordAuth(new FormData(event.currentTarget))
      .then(async () => {
        await setUserFromAPI();
      })
      .catch((error: unknown) => setFailed(String(error)));
  };
  return h(
    "form",
    { id: "login", onSubmit: submit },
    h("input", { id: "username", name: "username" }),
    h("input", { id: "password", name: "password", type: "password" }),
    h("button", { type: "submit" }, "Sign in"),
    h("output", { id: "login-error" }, failed),
  );
}

function Step({ step }: { step: IStep }): ReactNode {
  const client = useContext(ChainlitContext);
  const sessionId = useRecoilValue(sessionIdState);
  const [feedback, setFeedback] = useState("");
  const { editMessage } = useChatInteract();
  const rate = () => {
    client
      .setFeedback({ forId: step.id, value: 1, comment: "nice" }, sessionId)
      .then((answer) => setFeedback(answer.feedbackId))
      .catch((error: unknown) => setFeedback(`failed: ${String(error)}`));
  };
  const edit = () => editMessage({ ...step, output: `${step.output} (edited)` });
  return h(
    "li",
    {
      className: `step ${step.type}`,
      "data-id": step.id,
      "data-streaming": String(step.streaming === true),
      "data-feedback": step.feedback === undefined ? "none" : String(step.feedback.value),
    },
    h("span", { className: "output" }, step.output),
    step.type === "user_message" ? h("button", { type: "button", className: "edit", onClick: edit }, "Edit") : null,
    step.type === "assistant_message"
      ? h("button", { type: "button", className: "thumbs-up", onClick: rate }, "👍")
      : null,
    feedback === "" ? null : h("output", { className: "feedback-id" }, feedback),
    step.steps?.length ? h("ul", null, ...step.steps.map((child) => h(Step, { key: child.id, step: child }))) : null,
  );
}

function Actions() {
  const client = useContext(ChainlitContext);
  const sessionId = useRecoilValue(sessionIdState);
  const { actions, askUser } = useChatData();
  const [called, setCalled] = useState("");
  const press = (action: IAction) => {
    // As Chainlit's ActionButton: an open action ask takes the press as its answer.
    if (askUser?.spec.type === "action") askUser.callback(action);
    else
      client
        .callAction(action, sessionId)
        .then(() => setCalled(action.name))
        .catch((error: unknown) => setCalled(`failed: ${String(error)}`));
  };
  const asking = askUser?.spec.type === "action";
  return h(
    "div",
    { id: "actions" },
    ...actions.map((action) =>
      h(
        "button",
        {
          key: action.id,
          type: "button",
          className: "action",
          "data-name": action.name,
          disabled: asking && !askUser.spec.keys?.includes(action.id),
          onClick: () => press(action),
        },
        action.label,
      ),
    ),
    h("output", { id: "action-called" }, called),
  );
}

/** The settings form as Chainlit's client holds it: one button flips the first (switch) input. */
function Settings() {
  const { chatSettingsInputs, chatSettingsValue } = useChatData();
  const { updateChatSettings } = useChatInteract();
  const first = (chatSettingsInputs as { id: string; type: string }[])[0];
  const values = chatSettingsValue as Record<string, unknown>;
  const flip = () => {
    if (first !== undefined) updateChatSettings({ [first.id]: !values[first.id] });
  };
  return h(
    "section",
    { id: "settings", "data-inputs": String(chatSettingsInputs.length), "data-values": JSON.stringify(values) },
    h("button", { id: "flip-setting", type: "button", onClick: flip }, "Flip"),
  );
}

function Threads() {
  const client = useContext(ChainlitContext);
  const [threads, setThreads] = useState<{ id: string; name?: string }[] | string>([]);
  const list = () =>
    client
      .listThreads({ first: 20 }, {})
      .then((page) => setThreads(page.data))
      .catch((error: unknown) => setThreads(`failed: ${String(error)}`));
  return h(
    "nav",
    null,
    h("button", { id: "list-threads", type: "button", onClick: list }, "Threads"),
    typeof threads === "string"
      ? h("output", { id: "threads-error" }, threads)
      : h(
          "ul",
          { id: "threads" },
          ...threads.map((thread) =>
            h("li", { key: thread.id }, h("a", { className: "thread", href: `?thread=${thread.id}` }, thread.name)),
          ),
        ),
  );
}

function Chat() {
  const { connect } = useChatSession();
  const { config } = useConfig();
  const { sendMessage, replyMessage, stopTask, uploadFile } = useChatInteract();
  const { messages, threadId } = useChatMessages();
  const { connected, loading, askUser } = useChatData();
  const sessionId = useRecoilValue(sessionIdState);
  const [text, setText] = useState("");
  exposed.chainlitSessionId = sessionId;
  useEffect(() => {
    if (config !== undefined) connect({ userEnv: {} });
  }, [config, connect]);
  const [uploadError, setUploadError] = useState("");
  /** Uploads the chosen files (POST /project/file), as Chainlit's composer does before it sends. */
  const upload = async () => {
    const input = document.getElementById("file") as HTMLInputElement | null;
    const chosen = [...(input?.files ?? [])];
    if (input !== null) input.value = "";
    return Promise.all(chosen.map((file) => uploadFile(file, () => undefined, askUser?.parentId).promise));
  };
  const submit = (event: { preventDefault(): void }) => {
    event.preventDefault();
    const message = { id: crypto.randomUUID(), name: "user", type: "user_message" as const, output: text };
    setText("");
    upload()
      .then((references) => {
        if (askUser?.spec.type === "text") replyMessage({ ...message, createdAt: new Date().toISOString() });
        else if (askUser?.spec.type === "file") askUser.callback(references);
        else sendMessage(message, references);
      })
      .catch((error: unknown) => setUploadError(String(error)));
  };
  return h(
    "main",
    {
      "data-connected": String(connected === true),
      "data-loading": String(loading),
      "data-thread": threadId ?? "",
      "data-ask": askUser?.spec.type ?? "none",
    },
    h("ul", { id: "messages" }, ...messages.map((step) => h(Step, { key: step.id, step }))),
    h(Actions),
    h(
      "form",
      { id: "composer", onSubmit: submit },
      h("input", { id: "input", value: text, onChange: (event) => setText(event.currentTarget.value) }),
      h("input", { id: "file", type: "file", multiple: true }),
      h("output", { id: "upload-error" }, uploadError),
    ),
    h("button", { id: "stop", type: "button", onClick: stopTask }, "Stop"),
    h(Settings),
    h(Threads),
  );
}

function App() {
  const { isReady, isAuthenticated, user, logout } = useAuth();
  if (!isReady) return h("p", { id: "loading-auth" }, "…");
  if (!isAuthenticated) return h(Login);
  return h(
    "div",
    null,
    h("p", { id: "who" }, user?.identifier ?? ""),
    h("button", { id: "logout", type: "button", onClick: () => logout(true) }, "Log out"),
    h(Chat),
  );
}

const root = document.getElementById("root");
if (root === null) throw new Error("no #root");
const initializeState = ({ set }: MutableSnapshot) => {
  if (threadToResume !== undefined) set(threadIdToResumeState, threadToResume);
};
const app = h(ChainlitContext.Provider, { value: api }, h(App));
// RecoilRoot's props type requires `children`: given with the props, as its type asks.
const recoil: RecoilRootProps = { initializeState, children: app };
createRoot(root).render(h(StrictMode, null, h(RecoilRoot, recoil)));
