// A message the app sent, and the ways to change it afterwards: update, stream into, remove, drop an action.
import { ChatwireError } from "../errors.ts";
import type { Action } from "../hooks/payloads.ts";
import type { ElementView, JsonObject, MessageRole, MessageView } from "../protocol/views.ts";
import { buildElement, checkElement, type ElementInit } from "./elements.ts";
import { claimId } from "./ids.ts";
import type { ContextInit } from "./init.ts";

export type { ElementInit };

/** An action button to attach to a message. */
export interface ActionInit {
  /** The action's id (1 to 64 characters); default: a new one. Pressing a button sends its id back, so an id of
   * the app's own (e.g. a database key) saves a lookup; using one again makes it name the newer button. */
  readonly id?: string | undefined;
  readonly name: string;
  readonly label?: string | undefined;
  readonly payload?: JsonObject | undefined;
  readonly icon?: string | undefined;
  readonly tooltip?: string | undefined;
}

/** How a token goes into the text: appended, or (`replace: true`) in place of all of it. */
export interface StreamTokenOptions {
  /** Replace the content so far with this token (Chainlit's `stream_token(t, is_sequence=True)`). */
  readonly replace?: boolean | undefined;
}

/** What to send: the text, and optionally the author, action buttons, elements and the step it belongs to. */
export interface MessageInit {
  /** The message's id (1 to 64 of `A-Z a-z 0-9 _ - . :`); default: a new one. An id the thread already has is
   * refused (`DUPLICATE_ID`); stored threads share one id space, so pick ids unique to the app (a UUID). */
  readonly id?: string | undefined;
  readonly content?: string | undefined;
  readonly author?: string | undefined;
  readonly actions?: readonly ActionInit[] | undefined;
  /** Elements shown with the message; stored with it, and back in `ThreadDict.elements` on resume. */
  readonly elements?: readonly ElementInit[] | undefined;
  /** The id of the step this message is nested under. */
  readonly parentId?: string | undefined;
  readonly role?: MessageRole | undefined;
}

/** A sent message as an event handler may change it: every change is sent at once; no streaming into it. */
export interface EventMessageHandle {
  readonly id: string;
  readonly content: string;
  readonly actions: readonly Action[];
  /** The message's elements, with their ids. */
  readonly elements: readonly ElementView[];
  /** Replaces the content and/or the actions. */
  update(patch: { content?: string; actions?: readonly ActionInit[] }): Promise<void>;
  /** Removes one action button (e.g. once it was used). */
  removeAction(actionId: string): Promise<void>;
  /** Deletes the message from the conversation. */
  remove(): Promise<void>;
}

/** A sent message, as a task gets it. Every change is sent to the client at once. */
export interface MessageHandle extends EventMessageHandle {
  /** Appends a token (or replaces the content, with `replace: true`); the first one turns the message into a
   * stream (see `stream`). */
  streamToken(token: string, options?: StreamTokenOptions): Promise<void>;
  /** Ends a stream; the final content is sent once more so a late client has it whole. */
  endStream(): Promise<void>;
}

/** The view of a message as it goes on the wire, with the author renamed. */
export async function viewOf<S extends object>(init: ContextInit<S>, message: SentMessage<S>): Promise<MessageView> {
  return viewNow(init, message);
}

/**
 * The view at once when the author's name is (the gateway's renameAuthor answers at once without an authorRename
 * hook), else a promise of it. An extra tick would let frames of other handlers overtake this message, and a
 * promise per send is a measurable share of a round trip's garbage (docs/performance.md).
 */
export function viewNow<S extends object>(
  init: ContextInit<S>,
  message: SentMessage<S>,
): MessageView | Promise<MessageView> {
  const renamed = init.renameAuthor?.(message.author) ?? message.author;
  return typeof renamed === "string" ? viewWith(message, renamed) : renamed.then((author) => viewWith(message, author));
}

function viewWith<S extends object>(message: SentMessage<S>, author: string): MessageView {
  const view: MessageView = {
    id: message.id,
    role: message.role,
    author,
    content: message.content,
    createdAt: message.createdAt,
    // Not copied: a SentMessage never changes its actions array in place, it replaces it (a view keeps the old one).
    actions: message.actions,
  };
  if (message.elements.length > 0) view.elements = [...message.elements];
  return message.parentId === undefined ? view : { ...view, parentId: message.parentId };
}

/** The element inits of a message without elements, shared. */
const NO_ELEMENTS: readonly (readonly [ElementInit, string])[] = [];

/** The actions of a message without any, shared (frozen: nothing may add to it in place). */
const NO_ACTIONS = Object.freeze([]) as unknown as Action[];

/** The init of a message given as its content alone. */
const NO_INIT: MessageInit = Object.freeze({});

/** A settled promise of nothing, shared: what a send that went out at once resolves with. */
const SENT: Promise<void> = Promise.resolve();

/** The live state of a sent message. Built by ChatContext.send and ChatContext.stream. */
export class SentMessage<S extends object> implements MessageHandle {
  readonly id: string;
  readonly createdAt: string;
  readonly author: string;
  readonly role: MessageRole;
  readonly parentId: string | undefined;
  content: string;
  actions: Action[];
  elements: readonly ElementView[] = [];
  /** The elements to build (bytes to store) when the message is sent, with their ids. */
  readonly #elementInits: readonly (readonly [ElementInit, string])[];
  #streaming = false;
  /** UTF-8 bytes of `content` while it streams; undefined until counted (and after an update replaced it). */
  #contentBytes: number | undefined;

  private readonly init: ContextInit<S>;
  private readonly liveActions: boolean;

  /** `liveActions: false` for an ask's message: its buttons answer the ask and must not reach actionCallbacks. */
  /** A string `message` is its content (`ctx.send("Hi")`): no init object is made for it. */
  constructor(init: ContextInit<S>, content: MessageInit | string, liveActions = true) {
    this.init = init;
    this.liveActions = liveActions;
    const message = typeof content === "string" ? NO_INIT : content;
    this.id = message.id === undefined ? init.newId() : claimId(init, message.id);
    this.createdAt = init.isoNow?.() ?? init.now().toISOString();
    this.author = message.author ?? "Assistant";
    this.role = message.role ?? "assistant";
    this.parentId = message.parentId;
    this.content = typeof content === "string" ? content : (message.content ?? "");
    const { elements, actions } = message;
    this.#elementInits =
      elements === undefined || elements.length === 0
        ? NO_ELEMENTS
        : elements.map((element) => {
            checkElement(element);
            return [element, init.newId()] as const;
          });
    this.actions = actions === undefined || actions.length === 0 ? NO_ACTIONS : this.#toActions(actions);
  }

  #toActions(actions: readonly ActionInit[]): Action[] {
    return actions.map((action) => {
      if (
        action.id !== undefined &&
        (typeof action.id !== "string" || action.id.length === 0 || action.id.length > 64)
      ) {
        throw new RangeError("an action id has 1 to 64 characters");
      }
      const built: Action = {
        id: action.id ?? this.init.newId(),
        name: action.name,
        label: action.label ?? action.name,
        payload: action.payload ?? {},
        messageId: this.id,
        ...(action.icon === undefined ? {} : { icon: action.icon }),
        ...(action.tooltip === undefined ? {} : { tooltip: action.tooltip }),
      };
      if (this.liveActions) this.init.actions.add(built, this);
      return built;
    });
  }

  /** Sends the message as new (`message_new`) or as the start of a stream (`stream_start`). */
  async open(streaming: boolean): Promise<this> {
    // Bytes are stored before the message goes out: its elements' URLs must work when the client gets them.
    this.elements = await Promise.all(this.#elementInits.map(([element, id]) => buildElement(this.init, element, id)));
    this.#streaming = streaming;
    await this.init.emit({ type: streaming ? "stream_start" : "message_new", message: await viewOf(this.init, this) });
    return this;
  }

  /**
   * `open`, without a promise of its own when there are no elements to store and the author's name is known at once:
   * the message goes out now, and the handle is returned as it is (or a promise of it when the client is behind).
   */
  openNow(streaming: boolean): this | Promise<this> {
    if (this.#elementInits.length > 0) return this.open(streaming);
    const view = viewNow(this.init, this);
    if (view instanceof Promise) return this.open(streaming);
    this.#streaming = streaming;
    const sent = this.init.emit({ type: streaming ? "stream_start" : "message_new", message: view });
    return sent instanceof Promise ? sent.then(() => this) : this;
  }

  async update(patch: { content?: string; actions?: readonly ActionInit[] }): Promise<void> {
    if (patch.content !== undefined) {
      this.content = patch.content;
      this.#contentBytes = undefined;
    }
    if (patch.actions !== undefined) {
      for (const old of this.actions) this.init.actions.remove(old.id);
      this.actions = this.#toActions(patch.actions);
    }
    await this.init.emit({ type: "message_update", message: await viewOf(this.init, this) });
  }

  streamToken(token: string, options?: StreamTokenOptions): Promise<void> {
    const replace = options?.replace === true;
    if (!this.#streaming) return this.#startThenToken(token, replace);
    // Not an async function, and no closure: a token costs its frame and at most the promise of a wait.
    try {
      const sent = this.#token(token, replace);
      return sent instanceof Promise ? sent : SENT;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The first token of a message sent whole: it becomes a stream. */
  async #startThenToken(token: string, replace: boolean): Promise<void> {
    this.#checkStreamBytes(token, replace);
    this.#streaming = true;
    await this.init.emit({ type: "stream_start", message: await viewOf(this.init, this) });
    await this.#token(token, replace, false);
  }

  /** Sends one token: checked, appended, emitted (a promise only when the client is behind). */
  #token(token: string, replace: boolean, check = true): void | Promise<void> {
    if (check) this.#checkStreamBytes(token, replace);
    this.content = replace ? token : this.content + token;
    return this.init.emit(
      replace ? { type: "stream_token", id: this.id, token, replace } : { type: "stream_token", id: this.id, token },
    );
  }

  /** Throws STREAM_TOO_LONG, before anything is sent, when `token` would take the content past maxStreamBytes.
   * Bytes are counted as tokens come (measuring the whole content each time would be quadratic). */
  #checkStreamBytes(token: string, replace: boolean): void {
    const max = this.init.maxStreamBytes;
    if (max === undefined) return;
    const added = Buffer.byteLength(token);
    const before = replace ? 0 : (this.#contentBytes ?? Buffer.byteLength(this.content));
    const bytes = before + added;
    if (bytes > max) {
      throw new ChatwireError("STREAM_TOO_LONG", `a streamed message is limited to ${max} bytes (maxStreamBytes)`);
    }
    this.#contentBytes = bytes;
  }

  async endStream(): Promise<void> {
    if (!this.#streaming) return;
    this.#streaming = false;
    await this.init.emit({ type: "stream_end", id: this.id, content: this.content });
  }

  async removeAction(actionId: string): Promise<void> {
    this.init.actions.remove(actionId);
    this.actions = this.actions.filter((action) => action.id !== actionId);
    await this.init.emit({ type: "message_update", message: await viewOf(this.init, this) });
  }

  async dropActions(ids: ReadonlySet<string>): Promise<void> {
    for (const id of ids) this.init.actions.remove(id);
    this.actions = this.actions.filter((action) => !ids.has(action.id));
    await this.init.emit({ type: "message_update", message: await viewOf(this.init, this) });
  }

  async remove(): Promise<void> {
    for (const action of this.actions) this.init.actions.remove(action.id);
    await this.init.emit({ type: "message_delete", id: this.id });
  }
}
