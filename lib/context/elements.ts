// Elements a handler sends (Chainlit's cl.Image, cl.File, cl.Pdf, cl.Audio, cl.Video, cl.Text, cl.Plotly,
// cl.Dataframe, cl.TaskList, cl.CustomElement): from a URL, from bytes or a stream or a server path the app chose
// (stored in the FileStore and served at a signed URL), or as typed JSON props for the kinds without bytes.
import { createReadStream } from "node:fs";
import { peek, sniffMime } from "../data/sniff.ts";
import { ChatwireError } from "../errors.ts";
import type { ElementDisplay, ElementKind, ElementView, JsonObject } from "../protocol/views.ts";
import { type FileAccess, signedUrl } from "./files.ts";
import type { ContextInit } from "./init.ts";

/** An element to show: its name and kind, and where its content comes from (one of `url`, `content`, `path`,
 * `props`). */
export interface ElementInit {
  /** 1 to 256 characters, e.g. "chart.png". */
  readonly name: string;
  /** What it is; default: from `mime` (image, audio, video, pdf, text, else file), or `custom` for `props` alone. */
  readonly kind?: ElementKind | undefined;
  /** Where the client fetches it (1 to 2048 characters): your own route, a bucket, a data: URL. */
  readonly url?: string | undefined;
  /** The bytes (a string is UTF-8 text) or a stream of them: stored by chatwire, served at a signed URL. */
  readonly content?: Uint8Array | string | AsyncIterable<Uint8Array> | undefined;
  /** A file on the server, chosen by the app (never by a client): read and stored like `content`. */
  readonly path?: string | undefined;
  /** The JSON of the kinds without bytes: dataframe `{ columns, rows }`, plotly/vega specs, tasklist
   * `{ status?, tasks: [{ title, status }] }`, custom props. */
  readonly props?: JsonObject | undefined;
  /** Default: the type found in the bytes (for `content` and `path`). */
  readonly mime?: string | undefined;
  /** `inline` (default), `side` or `page`, as in Chainlit. */
  readonly display?: ElementDisplay | undefined;
}

/** Who stores an element's bytes: the session and thread they belong to, and the file store. */
export interface ElementOwner {
  readonly sessionId: string;
  readonly threadId: string;
  readonly files?: FileAccess | undefined;
}

const MAX_NAME = 256;
const MAX_URL = 2048;

const kindOf = (mime: string | undefined, props: boolean): ElementKind => {
  if (mime === undefined) return props ? "custom" : "file";
  if (mime.startsWith("image/")) return "image";
  if (mime.startsWith("audio/")) return "audio";
  if (mime.startsWith("video/")) return "video";
  if (mime === "application/pdf") return "pdf";
  if (mime.startsWith("text/")) return "text";
  return "file";
};

/** Checks what the protocol bounds before anything is stored (a bad element is the app's bug: it throws). */
export function checkElement(init: ElementInit): void {
  if (typeof init.name !== "string" || init.name.length === 0 || init.name.length > MAX_NAME) {
    throw new RangeError(`an element name has 1 to ${MAX_NAME} characters`);
  }
  if (init.url !== undefined && (typeof init.url !== "string" || init.url.length === 0 || init.url.length > MAX_URL)) {
    throw new RangeError(`an element url has 1 to ${MAX_URL} characters`);
  }
  const sources = [init.url, init.content, init.path, init.props].filter((source) => source !== undefined);
  if (sources.length === 0) throw new RangeError("an element needs a url, content, a path or props");
}

async function* sourceOf(init: ElementInit): AsyncGenerator<Uint8Array> {
  if (init.path !== undefined) {
    yield* createReadStream(init.path) as AsyncIterable<Buffer>;
  } else if (typeof init.content === "string") {
    yield Buffer.from(init.content);
  } else if (init.content instanceof Uint8Array) {
    yield init.content;
  } else if (init.content !== undefined) {
    yield* init.content;
  }
}

async function* bounded(source: AsyncIterable<Uint8Array>, max: number): AsyncGenerator<Uint8Array> {
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > max) throw new ChatwireError("FILE_TOO_LARGE", `an element's bytes are limited to ${max}`);
    yield chunk;
  }
}

/**
 * The element's view with `id`: its bytes stored first (under the element's id, replacing earlier bytes of that
 * id), when it has some.
 */
export async function buildElement(owner: ElementOwner, init: ElementInit, id: string): Promise<ElementView> {
  checkElement(init);
  let { url, mime } = init;
  if (init.content !== undefined || init.path !== undefined) {
    const access = owner.files;
    if (access === undefined) throw new ChatwireError("UNKNOWN_FILE", "this context has no file store for bytes");
    const { head, rest } = await peek(bounded(sourceOf(init), access.maxElementBytes));
    mime ??= await sniffMime(head, typeof init.content === "string" ? "text/plain" : undefined);
    await access.store.delete(id);
    const file = { id, name: init.name, mime, sessionId: owner.sessionId, threadId: owner.threadId };
    await access.store.put(file, rest);
    url = signedUrl(access, id);
  }
  const props = init.props === undefined ? undefined : (JSON.parse(JSON.stringify(init.props)) as JsonObject);
  return {
    id,
    name: init.name,
    kind: init.kind ?? kindOf(mime, props !== undefined),
    ...(url === undefined ? {} : { url }),
    ...(mime === undefined ? {} : { mime }),
    ...(init.display === undefined ? {} : { display: init.display }),
    ...(props === undefined ? {} : { props }),
  };
}

/** An element sent on its own (`ctx.sendElement`): change it or remove it later. */
export interface ElementHandle {
  readonly id: string;
  /** Replaces what changed (new props for a live task list, new content…) and sends the element again. */
  update(patch: Partial<ElementInit>): Promise<void>;
  /** Removes it from the conversation (and its stored bytes). */
  remove(): Promise<void>;
}

/** An element to send on its own: with `forId`, attached to that message (or step). */
export interface StandaloneElementInit extends ElementInit {
  readonly forId?: string | undefined;
}

/** Sends an element on its own and returns its handle. */
export async function sendElement<S extends object>(
  init: ContextInit<S>,
  element: StandaloneElementInit,
): Promise<ElementHandle> {
  const id = init.newId();
  const { forId } = element;
  let current: ElementInit = element;
  const send = async () => {
    const view = await buildElement(init, current, id);
    await init.emit({ type: "element", element: view, ...(forId === undefined ? {} : { forId }) });
  };
  await send();
  return {
    id,
    async update(patch) {
      // New bytes replace the old; without new content, the stored bytes stay (and get a fresh URL).
      const keepsBytes = patch.content === undefined && patch.path === undefined && patch.url === undefined;
      const { content: _c, path: _p, ...rest } = current;
      current = { ...(keepsBytes ? current : rest), ...definedOf(patch) };
      if (keepsBytes && (current.content !== undefined || current.path !== undefined) && init.files !== undefined) {
        const stored = await init.files.store.get(id);
        if (stored !== undefined) {
          const { content: _content, path: _path, ...meta } = current;
          const view = await buildElement(init, { ...meta, url: signedUrl(init.files, id), mime: stored.mime }, id);
          await init.emit({ type: "element", element: view, ...(forId === undefined ? {} : { forId }) });
          return;
        }
      }
      await send();
    },
    remove: () => removeElements(init, [id]),
  };
}

const definedOf = <T extends object>(patch: T): Partial<T> =>
  Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)) as Partial<T>;

/** Removes elements (sent on their own or with a message) and their stored bytes. */
export async function removeElements<S extends object>(init: ContextInit<S>, ids: readonly string[]): Promise<void> {
  // The bytes go first: a client told of the removal finds them gone, never still served.
  if (init.files !== undefined) await Promise.all(ids.map((id) => init.files?.store.delete(id)));
  await init.emit({ type: "remove_elements", ids: [...ids] });
}

/** What the side panel shows (Chainlit's ElementSidebar). */
export interface SidebarInit {
  readonly title?: string | undefined;
  readonly elements: readonly ElementInit[];
}

/** Opens (or replaces) the side panel with these elements; no elements closes it. */
export async function setSidebar<S extends object>(init: ContextInit<S>, sidebar: SidebarInit): Promise<void> {
  for (const element of sidebar.elements) checkElement(element);
  const elements = await Promise.all(sidebar.elements.map((element) => buildElement(init, element, init.newId())));
  await init.emit({ type: "sidebar", elements, ...(sidebar.title === undefined ? {} : { title: sidebar.title }) });
}
