// What a viewer of a shared thread gets: the conversation, without what belongs to its author alone (their ids,
// feedback, the saved session and settings), without action buttons, and without what the app marked private.
import type { SharedElement, SharedEntry, SharedThread } from "../protocol/threads.ts";
import type { JsonObject } from "../protocol/views.ts";
import { clientThread, type LoadedThread } from "./layer.ts";

/**
 * The key of a thread's metadata that lists what a shared view leaves out: metadata keys and element ids. The list
 * itself is left out too.
 * @example ctx.thread.update({ metadata: { notes: "mine", [PRIVATE_METADATA_KEY]: ["notes", "e-scan"] } })
 */
export const PRIVATE_METADATA_KEY = "private";

/** The names the thread's metadata lists as private (anything in the list that is not a string is ignored). */
function privateNames(metadata: JsonObject): ReadonlySet<string> {
  const listed = metadata[PRIVATE_METADATA_KEY];
  return new Set(Array.isArray(listed) ? listed.filter((name): name is string => typeof name === "string") : []);
}

/**
 * The thread as a viewer of its share sees it.
 * @example const shown = sharedView(await layer.getSharedThread(shareId));
 */
export function sharedView(thread: LoadedThread): SharedThread {
  const hidden = privateNames(thread.metadata);
  const metadata = Object.fromEntries(
    Object.entries(clientThread(thread).metadata).filter(([key]) => key !== PRIVATE_METADATA_KEY && !hidden.has(key)),
  );
  // Actions go too: nothing can be pressed in a read-only view, and their payloads are the app's.
  const steps = thread.steps.map(({ feedback: _feedback, ...entry }): SharedEntry => {
    if (entry.kind !== "message") return entry;
    const { elements, ...message } = { ...entry, actions: [] };
    const shown = elements?.filter((element) => !hidden.has(element.id)) ?? [];
    return shown.length === 0 ? message : { ...message, elements: shown };
  });
  const elements = thread.elements
    .filter((element) => !hidden.has(element.id))
    .map(
      ({ id, forId, name, url, mime, display, kind, props }): SharedElement => ({
        id,
        name,
        ...(forId === undefined ? {} : { forId }),
        ...(url === undefined ? {} : { url }),
        ...(mime === undefined ? {} : { mime }),
        ...(display === undefined ? {} : { display }),
        ...(kind === undefined ? {} : { kind }),
        ...(props === undefined ? {} : { props }),
      }),
    );
  return {
    createdAt: thread.createdAt,
    ...(thread.name === undefined ? {} : { name: thread.name }),
    tags: [...thread.tags],
    metadata,
    steps,
    elements,
  };
}
