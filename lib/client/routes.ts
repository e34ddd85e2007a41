// The gateway's HTTP routes over stored threads (lib/data/routes.ts, lib/gateway/share-routes.ts): list, rename,
// delete, share. Browsers send the
// session cookie (same origin); other clients the headers given to `connect` (`Authorization: Bearer …`).
import type {
  ChatProfileList,
  ListThreadsQuery,
  SharedThread,
  ThreadList,
  ThreadShare,
  ThreadSummary,
} from "../protocol/index.ts";
import { ChatwireClientError } from "./errors.ts";

/** How to reach the routes. */
export interface RouteTarget {
  /** The base URL the routes hang off (`…/threads`). */
  readonly base: string;
  readonly headers: Record<string, string>;
  readonly fetch: typeof fetch;
}

/**
 * The base of the HTTP routes for a gateway URL: the WebSocket URL without its last segment, over http(s).
 * @example routesBase("wss://chat.example/ws") // "https://chat.example/"
 */
export function routesBase(gateway: string): string {
  return new URL(".", gateway.replace(/^ws/, "http")).href;
}

/** Calls a route; answers the parsed body, or throws a ChatwireClientError (THREAD_NOT_FOUND, UNAUTHENTICATED,
 * REQUEST_FAILED). */
export async function callRoute(
  target: RouteTarget,
  path: string,
  init: { method?: string; json?: unknown; headers?: Record<string, string> } = {},
): Promise<unknown> {
  const headers = {
    ...target.headers,
    ...init.headers,
    ...(init.json === undefined ? {} : { "content-type": "application/json" }),
  };
  let response: Response;
  try {
    response = await target.fetch(new URL(path, target.base), {
      method: init.method ?? "GET",
      headers,
      credentials: "same-origin",
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ChatwireClientError("REQUEST_FAILED", `${path}: the server could not be reached (${reason})`, 0);
  }
  const text = await response.text();
  const body = parse(text);
  if (response.ok) return body;
  const message = isRecord(body) && typeof body.message === "string" ? body.message : `HTTP ${response.status}`;
  const code =
    response.status === 401 ? "UNAUTHENTICATED" : response.status === 404 ? "THREAD_NOT_FOUND" : "REQUEST_FAILED";
  throw new ChatwireClientError(code, `${path}: ${message}`, response.status);
}

/** The chat profiles the user may start with (`GET /chat-profiles`); none when the app declares none. */
export async function listChatProfiles(target: RouteTarget): Promise<ChatProfileList> {
  try {
    return (await callRoute(target, "chat-profiles")) as ChatProfileList;
  } catch (error) {
    // The route exists only when the app declares profiles.
    if (error instanceof ChatwireClientError && error.status === 404) return { profiles: [] };
    throw error;
  }
}

/** One page of the user's threads, newest first. */
export async function listThreads(target: RouteTarget, query: ListThreadsQuery = {}): Promise<ThreadList> {
  const params = new URLSearchParams();
  if (query.search) params.set("search", query.search);
  if (query.cursor) params.set("cursor", query.cursor);
  if (query.limit !== undefined) params.set("limit", String(query.limit));
  const search = params.toString() === "" ? "" : `?${params}`;
  return (await callRoute(target, `threads${search}`)) as ThreadList;
}

/** Renames a thread; answers its summary. */
export async function renameThread(
  target: RouteTarget,
  id: string,
  name: string,
  headers?: Record<string, string>,
): Promise<ThreadSummary> {
  const path = `threads/${encodeURIComponent(id)}`;
  return (await callRoute(target, path, {
    method: "PATCH",
    json: { name },
    ...(headers ? { headers } : {}),
  })) as ThreadSummary;
}

/** Deletes a thread and its history. */
export async function deleteThread(target: RouteTarget, id: string, headers?: Record<string, string>): Promise<void> {
  await callRoute(target, `threads/${encodeURIComponent(id)}`, { method: "DELETE", ...(headers ? { headers } : {}) });
}

/** Shares a thread its user owns: the link's id and the path of its read-only route (the same on every call). */
export async function shareThread(target: RouteTarget, id: string): Promise<ThreadShare> {
  return (await callRoute(target, `threads/${encodeURIComponent(id)}/share`, { method: "PUT" })) as ThreadShare;
}

/** Stops sharing a thread: its link answers THREAD_NOT_FOUND from now on. */
export async function unshareThread(target: RouteTarget, id: string): Promise<void> {
  await callRoute(target, `threads/${encodeURIComponent(id)}/share`, { method: "DELETE" });
}

/** A shared thread, read-only, if the app lets this user (or anyone) read it; else THREAD_NOT_FOUND. */
export async function readSharedThread(target: RouteTarget, shareId: string): Promise<SharedThread> {
  return (await callRoute(target, `shared/${encodeURIComponent(shareId)}`)) as SharedThread;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

const parse = (text: string): unknown => {
  try {
    return text === "" ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** What `POST /files` answers: the upload's id (for `send(text, { files })` or `answerAsk`), its safe name, the
 * type found in its bytes, its size and a signed URL. */
export interface UploadedFile {
  readonly id: string;
  readonly name: string;
  readonly mime: string;
  readonly size: number;
  readonly url: string;
}

/** Uploads one file with the session's ticket; throws a ChatwireClientError with the server's code (FILE_TOO_LARGE,
 * UPLOAD_QUOTA, FILE_REFUSED, BAD_UPLOAD, UNAUTHENTICATED) or REQUEST_FAILED. */
export async function uploadFile(target: RouteTarget, ticket: string, file: Blob, name: string): Promise<UploadedFile> {
  const form = new FormData();
  form.append("file", file, name);
  let response: Response;
  try {
    response = await target.fetch(new URL("files", target.base), {
      method: "POST",
      headers: { ...target.headers, "x-chatwire-upload": ticket },
      credentials: "same-origin",
      body: form,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ChatwireClientError("REQUEST_FAILED", `files: the server could not be reached (${reason})`, 0);
  }
  const body = parse(await response.text());
  if (response.ok) return body as UploadedFile;
  const known = ["FILE_TOO_LARGE", "UPLOAD_QUOTA", "FILE_REFUSED", "BAD_UPLOAD", "UNAUTHENTICATED"] as const;
  const code = isRecord(body) ? known.find((candidate) => candidate === body.code) : undefined;
  const message = isRecord(body) && typeof body.message === "string" ? body.message : `HTTP ${response.status}`;
  throw new ChatwireClientError(code ?? "REQUEST_FAILED", `files: ${message}`, response.status);
}
