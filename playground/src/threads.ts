// The signed-in user's stored threads over HTTP (lib/data/routes.ts): list by page and search, rename, delete.
// Only the owner sees a thread; the routes are missing when the app has no persistence.
import type { ThreadList, ThreadSummary } from "../../lib/data/routes.ts";
import { callApi } from "./api.ts";

export type { ThreadSummary };

/** One page of threads, newest first; undefined when there is no list to show (no persistence, not signed in). */
export async function listThreads(
  api: string,
  query: { search?: string | undefined; cursor?: string | undefined },
): Promise<ThreadList | undefined> {
  const params = new URLSearchParams({ limit: "30" });
  if (query.search) params.set("search", query.search);
  if (query.cursor) params.set("cursor", query.cursor);
  const { status, body } = await callApi(api, `threads?${params}`);
  return status === 200 && isThreadList(body) ? body : undefined;
}

/** Renames a thread; the renamed summary, or undefined if it failed. */
export async function renameThread(api: string, id: string, name: string): Promise<ThreadSummary | undefined> {
  const { status, body } = await callApi(api, `threads/${encodeURIComponent(id)}`, { method: "PATCH", json: { name } });
  return status === 200 && isSummary(body) ? body : undefined;
}

/** Deletes a thread with its history; false if it failed. */
export async function deleteThread(api: string, id: string): Promise<boolean> {
  const { status } = await callApi(api, `threads/${encodeURIComponent(id)}`, { method: "DELETE" });
  return status === 204;
}

const isSummary = (value: unknown): value is ThreadSummary =>
  typeof value === "object" && value !== null && "id" in value && typeof value.id === "string";

const isThreadList = (value: unknown): value is ThreadList =>
  typeof value === "object" &&
  value !== null &&
  "threads" in value &&
  Array.isArray(value.threads) &&
  value.threads.every(isSummary);
