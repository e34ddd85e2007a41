// Chainlit's socket.io protocol beside the native gateway: a socket.io server (the `socket.io` package, an
// optional peer dependency) at Chainlit's path, each connection a chatwire session driven through the same
// Session interface, plus the few HTTP routes Chainlit's client calls around it (settings, user, actions,
// feedback). What a Chainlit client gains: a reconnect with the same `sessionId` replays what it missed.
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { FastifyInstance, FastifyRequest } from "fastify";
import { nanoid } from "nanoid";
import { authenticate } from "../../auth/authenticate.ts";
import { isAllowedOrigin } from "../../auth/origin.ts";
import type { TokenIssuer } from "../../auth/tokens.ts";
import { FILE_URL_TTL_MS } from "../../context/files.ts";
import { refreshFileUrls } from "../../data/file-signer.ts";
import { ChatwireError, isChatwireError } from "../../errors.ts";
import { type ConnectionScope, makeRoom } from "../../gateway/handshake.ts";
import { newSession } from "../../gateway/new-session.ts";
import { loadOwnedThread, restoredConversation } from "../../gateway/persistence.ts";
import { type ChosenProfile, chooseProfile } from "../../gateway/profiles.ts";
import type { HookTable } from "../../hooks/table.ts";
import type { User } from "../../protocol/views.ts";
import type { Session } from "../../session/session.ts";
import type { ChainlitSession } from "./live.ts";
import { chainlitRoutes } from "./routes.ts";
import { ChainlitSink, type ChainlitSocket } from "./sink.ts";
import { fileIds, type StepDict } from "./steps.ts";

/** What the Chainlit adapter needs of its gateway. */
export interface ChainlitOptions<S extends object> {
  readonly path: string;
  readonly scope: ConnectionScope<S>;
  readonly tokens: TokenIssuer | undefined;
}

/** The handshake's `auth` object, as Chainlit's client sends it. */
interface ChainlitAuth {
  sessionId?: unknown;
  userEnv?: unknown;
  threadId?: unknown;
  chatProfile?: unknown;
}

const text = (value: unknown, max: number) =>
  typeof value === "string" && value.length > 0 && value.length <= max ? value : undefined;

/** Chainlit's URI-encoded chat profile; undefined when absent or not decodable. */
function decoded(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  try {
    return decodeURIComponent(value).slice(0, 128);
  } catch {
    return undefined;
  }
}

/** Chainlit's `userEnv` (a JSON string of `{ KEY: value }`): the keys the app declares, with string values. */
function userEnvOf(raw: unknown, declared: readonly string[] | undefined): Record<string, string> | undefined {
  if (typeof raw !== "string" || raw.length > 16_384 || declared === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const values = parsed as Record<string, unknown>;
  const kept: Record<string, string> = {};
  for (const key of declared) {
    const value = values[key];
    if (typeof value === "string") kept[key] = value;
  }
  return kept;
}

/** Loads socket.io, or says how to get it. */
async function loadSocketIo(): Promise<typeof import("socket.io")> {
  try {
    return await import("socket.io");
  } catch (error) {
    throw new ChatwireError("INVALID_OPTION", "protocols.chainlit needs the socket.io package: npm install socket.io", {
      cause: error,
    });
  }
}

/** Mounts the Chainlit endpoint on the gateway's Fastify instance. */
export async function chainlitServer<S extends object>(app: FastifyInstance, options: ChainlitOptions<S>) {
  const { Server } = await loadSocketIo();
  const { scope, tokens } = options;
  const { options: gateway, registry, persistence, log } = scope;
  /** Chainlit's client-made session ids → live sessions. */
  const sessions = new Map<string, ChainlitSession>();

  // Cookies are parsed by @fastify/cookie when passwordAuth registered it; identity is the chatwire login cookie.
  const requestOf = (headers: IncomingHttpHeaders) => {
    const parse = (app as unknown as { parseCookie?: (header: string) => Record<string, string> }).parseCookie;
    const cookies = parse !== undefined && headers.cookie !== undefined ? parse(headers.cookie) : {};
    return { headers, cookies } as unknown as FastifyRequest;
  };

  // The native gateway routes every upgrade through Fastify (a 404 for socket.io's path): it must leave socket.io's
  // upgrades to socket.io.
  const others = app.server.listeners("upgrade") as ((...args: unknown[]) => void)[];
  const io = new Server(app.server, { path: options.path, serveClient: false, destroyUpgrade: false });
  const ours = (url: string | undefined) => url?.startsWith(`${options.path}/`) === true;
  for (const listener of others) {
    app.server.removeListener("upgrade", listener);
    app.server.on("upgrade", (request: IncomingMessage, ...rest: unknown[]) => {
      if (!ours(request.url)) listener(request, ...rest);
    });
  }
  app.addHook("onClose", async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
  });

  io.use(async (socket, next) => {
    const { headers } = socket.handshake;
    if (!isAllowedOrigin(headers.origin, headers.host, gateway.allowedOrigins)) {
      next(new Error("authorization failed: origin"));
      return;
    }
    const auth = await authenticate(requestOf(headers), scope.hooks.table, tokens);
    if (!auth.ok) {
      next(new Error("authentication failed"));
      return;
    }
    // Opened here, before the connection is accepted: a refusal (another user's thread or session, an unknown
    // profile, too many sessions) is the client's connect_error, as Chainlit refuses with ConnectionRefusedError.
    const opened = await open(auth.user, socket.handshake.auth as ChainlitAuth).catch((error: unknown) => {
      log.error({ err: error }, "a Chainlit connection could not be opened");
      return new Error("the session could not be opened");
    });
    if (opened instanceof Error) {
      next(opened);
      return;
    }
    socket.data.opened = opened;
    next();
  });

  async function open(user: User | undefined, auth: ChainlitAuth): Promise<ChainlitSession | Error> {
    const sessionId = text(auth.sessionId, 128) ?? nanoid();
    const live = sessions.get(sessionId);
    if (live !== undefined && !live.session.ended) {
      if (live.user?.identifier !== user?.identifier) return new Error("authorization failed");
      return live;
    }
    const place = registry.placeOnNode(gateway.maxSessionsPerNode);
    if (place === undefined) return new Error("server full: try again later");
    let reserved = false;
    try {
      if (user !== undefined && !(await makeRoom(scope, user.identifier))) return new Error("too many sessions");
      reserved = user !== undefined;
      const requested = text(auth.threadId, 64);
      const thread =
        requested === undefined || persistence === undefined
          ? undefined
          : await loadOwnedThread(persistence, { id: requested }, user);
      if (requested !== undefined && persistence !== undefined && thread === undefined) {
        return new Error("authorization failed");
      }
      // As the native handshake: the profile is one the app offers this user (a reopened thread keeps its own),
      // and a reopened thread gets its settings values back.
      const restored = thread === undefined ? {} : restoredConversation(thread);
      let chosen: ChosenProfile;
      try {
        const requestedProfile = decoded(text(auth.chatProfile, 512));
        chosen = await chooseProfile(
          scope.hooks.table as HookTable<object>,
          user,
          requestedProfile,
          restored.chatProfile,
        );
      } catch (error) {
        if (isChatwireError(error, "UNKNOWN_PROFILE")) return new Error("unknown chat profile");
        log.error({ err: error }, "setChatProfiles or setStarters failed");
        return new Error("the chat profiles could not be listed");
      }
      const { session } = newSession(scope, {
        user,
        thread,
        chosen,
        userEnv: userEnvOf(auth.userEnv, scope.hooks.table.userEnv),
        registry: {
          delete(ended) {
            registry.delete(ended);
            if (sessions.get(sessionId)?.session === ended) sessions.delete(sessionId);
          },
        },
      });
      registry.add(session, reserved);
      reserved = false;
      place.release();
      const entry: ChainlitSession = {
        session,
        user,
        sink: undefined,
        // Stored file URLs expire: the reopened history gets fresh ones.
        start: {
          thread:
            thread === undefined
              ? undefined
              : refreshFileUrls(thread, scope.files.signer, Date.now() + FILE_URL_TTL_MS),
        },
        interacted: thread !== undefined,
        done: false,
      };
      sessions.set(sessionId, entry);
      return entry;
    } finally {
      place.release();
      if (reserved && user !== undefined) registry.release(user.identifier);
    }
  }

  io.on("connection", (socket) => {
    const opened = socket.data.opened as ChainlitSession;
    const { session } = opened;
    const receive = (command: Parameters<Session["receive"]>[0]) => session.receive(command);
    const sink = new ChainlitSink(socket as unknown as ChainlitSocket, session.threadId, receive);
    let lastSeq = opened.sink?.lastSeq ?? 0;
    sink.favorites.list = opened.sink?.favorites.list;
    let clientId = 0;
    const id = () => `cl${++clientId}`;

    socket.on("connection_successful", () => {
      // As Chainlit does on every (re)connect: the UI starts idle, with no ask pending.
      socket.emit("task_end", {});
      socket.emit("clear_ask", {});
      socket.emit("clear_call_fn", {});
      if (!session.canResume(lastSeq)) lastSeq = session.seq;
      sink.lastSeq = lastSeq;
      opened.sink = sink;
      session.attach(sink, lastSeq);
      const start = opened.start;
      if (start !== undefined) {
        opened.start = undefined;
        session.start(start.thread);
      }
    });
    socket.on(
      "client_message",
      (payload: { message?: { id?: unknown; output?: unknown }; fileReferences?: unknown }) => {
        const message = payload?.message;
        const files = fileIds(payload?.fileReferences);
        const content = typeof message?.output === "string" ? message.output : "";
        if (!opened.interacted) {
          // As Chainlit does: the client learns the thread's id here, and its next (re)connect names it.
          opened.interacted = true;
          socket.emit("first_interaction", { interaction: content, thread_id: session.threadId });
        }
        receive({
          type: "user_message",
          id: text(message?.id, 64) ?? id(),
          content,
          ...(files.length > 0 ? { files } : {}),
        });
      },
    );
    socket.on("edit_message", (payload: { message?: { id?: unknown; output?: unknown } } | undefined) => {
      // The id is the client's own for a message of this connection, or the stored one from a reopened thread.
      const messageId = text(payload?.message?.id, 64);
      const content = payload?.message?.output;
      if (messageId === undefined || typeof content !== "string") return;
      receive({ type: "edit_message", id: id(), messageId, content });
    });
    // The session sends the list when it starts and after each change; the client asks again after each connect.
    socket.on("fetch_favorites", () => {
      if (sink.favorites.list !== undefined) socket.emit("set_favorites", sink.favorites.list);
    });
    socket.on("message_favorite", (payload: { message?: StepDict } | undefined) => {
      const step = payload?.message;
      const messageId = text(step?.id, 64);
      if (step === undefined || messageId === undefined) return;
      const favorite = step.metadata?.favorite === true;
      const commandId = id();
      sink.favorites.marked(commandId, { ...step, metadata: { ...step.metadata, favorite } });
      receive({ type: "favorite", id: commandId, messageId, favorite });
    });
    socket.on("chat_settings_change", (values: unknown) => {
      if (typeof values !== "object" || values === null || Array.isArray(values)) return;
      receive({ type: "settings_update", id: id(), values: values as Record<string, unknown> });
    });
    socket.on("stop", () => receive({ type: "stop" }));
    socket.on("clear_session", () => {
      opened.done = true;
    });
    socket.on("window_message", (data: unknown) => receive({ type: "window_message", data }));
    socket.on("audio_start", () => receive({ type: "audio_start", mimeType: "pcm16" }));
    socket.on("audio_chunk", (chunk: { elapsedTime?: unknown; data?: unknown } | undefined) => {
      const data = chunk?.data;
      const bytes = ArrayBuffer.isView(data)
        ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : data instanceof ArrayBuffer
          ? new Uint8Array(data)
          : undefined;
      if (bytes === undefined) return;
      const elapsedTime = typeof chunk?.elapsedTime === "number" ? chunk.elapsedTime : 0;
      receive({ type: "audio_chunk", elapsedTime, data: bytes });
    });
    socket.on("audio_end", () => receive({ type: "audio_end" }));
    socket.on("disconnect", () => {
      if (opened.sink === sink) session.disconnect(sink, opened.done);
      // A client that left before connection_successful never started its session: nothing waits to resume it.
      else if (opened.sink === undefined && opened.start !== undefined) void session.end("disconnect");
    });
  });

  await app.register(chainlitRoutes, { scope, tokens, sessions, requestOf });
}
