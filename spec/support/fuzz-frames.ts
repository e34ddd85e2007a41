import type { ErrorCode } from "chatwire";
import { clientFrameSchemas } from "chatwire/protocol";
// A seeded generator of hostile client frames for spec/auth/fuzz.test.ts. Each frame carries the outcome the gateway
// owes it, worked out by an oracle that is independent of the gateway: a small JSON Schema judge over the protocol's
// own schemas (lib/protocol/client.ts) and a model of the session (recording on/off, known message ids, live actions).

/** mulberry32: a 32-bit seeded PRNG, uniform in [0, 1). Small, fast and the same on every platform. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random choices from one seed. */
export class Rng {
  readonly #next: () => number;
  constructor(seed: number) {
    this.#next = mulberry32(seed);
  }
  float(): number {
    return this.#next();
  }
  /** An integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.#next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.#next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.#next() * items.length)] as T;
  }
  /** A key of `weights`, with probability proportional to its weight. */
  weighted<K extends string>(weights: Readonly<Record<K, number>>): K {
    const entries = Object.entries(weights) as [K, number][];
    let roll = this.#next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [key, weight] of entries) {
      roll -= weight;
      if (roll < 0) return key;
    }
    return (entries.at(-1) as [K, number])[0];
  }
  ascii(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += String.fromCharCode(this.int(32, 126));
    return out;
  }
  /** Code points from every plane, lone surrogates included (they reach the server as U+FFFD or as JSON escapes). */
  unicode(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) {
      const kind = this.int(0, 5);
      const cp =
        kind === 0
          ? this.int(0, 0x1f)
          : kind === 1
            ? this.int(0x80, 0x7ff)
            : kind === 2
              ? this.int(0xd800, 0xdfff)
              : kind === 3
                ? this.int(0x10000, 0x10ffff)
                : this.int(0x20, 0xfffd);
      out += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
    }
    return out;
  }
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255);
    return out;
  }
}

/** The subset of JSON Schema that the client frame schemas use. */
interface Schema {
  readonly type?: string;
  readonly const?: unknown;
  readonly anyOf?: readonly Schema[];
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly pattern?: string;
  readonly minimum?: number;
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: boolean;
  readonly items?: Schema;
  readonly maxItems?: number;
}

const schemas = clientFrameSchemas as unknown as Readonly<Record<string, Schema>>;
/** Every client frame type, from lib/protocol/client.ts. */
export const FRAME_TYPES = Object.keys(schemas);
/** Every "type.field" whose schema refuses some value (all but `window_message.data`, which takes anything). */
export const TYPED_FIELDS = FRAME_TYPES.flatMap((type) =>
  Object.entries(schemas[type]?.properties ?? {})
    .filter(([, schema]) => Object.keys(schema).length > 0)
    .map(([field]) => `${type}.${field}`),
);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Whether `value` satisfies `schema` (JSON Schema semantics: string lengths count code points). */
export function conforms(schema: Schema, value: unknown): boolean {
  if (schema.anyOf !== undefined) return schema.anyOf.some((option) => conforms(option, value));
  if ("const" in schema && value !== schema.const) return false;
  switch (schema.type) {
    case undefined:
      return true;
    case "string": {
      if (typeof value !== "string") return false;
      const length = [...value].length;
      if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) return false;
      return length >= (schema.minLength ?? 0) && length <= (schema.maxLength ?? Number.POSITIVE_INFINITY);
    }
    case "integer":
    case "number":
      return (
        typeof value === "number" &&
        Number.isFinite(value) &&
        (schema.type === "number" || Number.isInteger(value)) &&
        value >= (schema.minimum ?? Number.NEGATIVE_INFINITY)
      );
    case "object": {
      if (!isRecord(value)) return false;
      const properties = schema.properties ?? {};
      if ((schema.required ?? []).some((key) => !Object.hasOwn(value, key))) return false;
      return Object.keys(value).every((key) =>
        Object.hasOwn(properties, key)
          ? conforms(properties[key] as Schema, value[key])
          : schema.additionalProperties !== false,
      );
    }
    case "boolean":
      return typeof value === "boolean";
    case "array":
      return (
        Array.isArray(value) &&
        value.length <= (schema.maxItems ?? Number.POSITIVE_INFINITY) &&
        value.every((item) => schema.items === undefined || conforms(schema.items, item))
      );
    default:
      throw new Error(`the fuzz judge does not know schema type ${schema.type}`);
  }
}

/** The frame categories the generator draws from. */
export const CATEGORIES = [
  "valid",
  "binary_audio",
  "wrong_type",
  "missing_field",
  "extra_field",
  "unknown_type",
  "non_object",
  "truncated",
  "random_text",
  "huge",
  "deep",
  "random_binary",
  "json_as_binary",
  "raw_edge",
] as const;
export type Category = (typeof CATEGORIES)[number];

const WEIGHTS: Record<Category, number> = {
  valid: 30,
  binary_audio: 9,
  wrong_type: 14,
  missing_field: 5,
  extra_field: 5,
  unknown_type: 4,
  non_object: 3,
  truncated: 6,
  random_text: 6,
  huge: 3,
  deep: 3,
  random_binary: 6,
  json_as_binary: 4,
  raw_edge: 3,
};

/** Which ordered stream an outcome travels in: frame checks answer at once, the event and task lanes in turn. */
export type Channel = "sync" | "event" | "task";

/** One thing the gateway must send back (or do) for a frame. */
export interface Effect {
  readonly channel: Channel;
  readonly label: string;
}

/** What the app's hooks count per session (checked against the model after every batch). */
export interface Tally {
  chunks: number;
  chunkBytes: number;
  firstChunks: number;
  audioEnds: number;
  feedback: number;
  stops: number;
}
export const emptyTally = (): Tally => ({
  chunks: 0,
  chunkBytes: 0,
  firstChunks: 0,
  audioEnds: 0,
  feedback: 0,
  stops: 0,
});

/** One generated frame: a string goes as a text frame, bytes as a binary frame. */
export interface FuzzFrame {
  readonly category: Category | "barrier";
  readonly payload: string | Uint8Array;
  readonly effects: readonly Effect[];
}

/** Error codes that come from the event lane and the task lane; every other error answers its frame at once. */
const EVENT_ERRORS: readonly string[] = ["AUDIO_NOT_STARTED", "AUDIO_TOO_LARGE"];
const TASK_ERRORS: readonly string[] = ["HANDLER_FAILED"];

/** The channel an error frame with `code` travels in. */
export const channelOfError = (code: string): Channel =>
  EVENT_ERRORS.includes(code) ? "event" : TASK_ERRORS.includes(code) ? "task" : "sync";

/** The label of an error frame, as the test compares them. */
export const errorLabel = (code: ErrorCode | string, replyTo?: string) =>
  replyTo === undefined ? `error:${code}` : `error:${code}>${replyTo}`;

const error = (code: ErrorCode, replyTo?: string): Effect => ({
  channel: channelOfError(code),
  label: errorLabel(code, replyTo),
});
const event = (label: string): Effect => ({ channel: "event", label });

/** Placeholders the test replaces, at send time, by the id of a live action from an earlier reply. */
export const LIVE_PICK = "@@PICK@@";
/** Stands for the id of a reply the server sent (message ids are the server's: the test fills it in when sending). */
export const LIVE_MESSAGE = "@@MESSAGE@@";
export const LIVE_ORPHAN = "@@ORPHAN@@";
/** A user message with this content makes the app's onMessage throw (a secret that must not leak). */
export const BOOM = "boom";
export const SECRET = "hunter2-db-password";
/** Audio starts with this MIME type are refused by the app's onAudioStart. */
export const REFUSED_MIME = "audio/refused";

/** How the app under fuzz answers a window message's data (the test's app uses the same function). */
export const kindOf = (data: unknown): string => (data === null ? "null" : Array.isArray(data) ? "array" : typeof data);

/** Limits of the fuzzed gateway that the model needs. */
export interface ModelLimits {
  readonly maxFrameBytes: number;
  readonly maxAudioBytes: number;
}

const WEIRD_KEYS = [
  "__proto__",
  "constructor",
  "toString",
  "hasOwnProperty",
  "",
  " ",
  "type ",
  "TYPE",
  "id\u0000",
  "\u{1f600}",
];
const UNKNOWN_TYPES = [
  "",
  "USER_MESSAGE",
  "user_message ",
  "hello\u0000",
  "__proto__",
  "constructor",
  "toString",
  "error",
  "welcome",
  "task_end",
  "x".repeat(5000),
];

/** Generates frames for one connection, and knows what each should get back. */
export class FrameGenerator {
  readonly #rng: Rng;
  readonly #limits: ModelLimits;
  #preHello = true;
  #audio: { bytes: number; chunks: number } | undefined;
  /** Message ids the session knows (user messages it accepted), newest last. */
  #actionsLive = false;
  #actionsNext = false;
  #barriers = 0;
  #ids = 0;
  #wrongCursor = 0;
  /** Frame type/field pairs that got a wrongly typed value (for the coverage check). */
  readonly wrongFields = new Set<string>();
  /** What the app's hooks should have counted so far. */
  readonly tally: Tally = emptyTally();

  constructor(seed: number, limits: ModelLimits) {
    this.#rng = new Rng(seed);
    this.#limits = limits;
  }

  get rng(): Rng {
    return this.#rng;
  }

  /** Frames sent before `hello`: none may start a session. */
  preHello(count: number): FuzzFrame[] {
    const frames: FuzzFrame[] = [];
    while (frames.length < count) {
      const frame = this.#frame();
      if (frame !== undefined) frames.push(frame);
    }
    return frames;
  }

  /** The hello that starts the session, and the handshake frames it should get (in order). */
  hello(): { payload: string; handshake: string[] } {
    this.#preHello = false;
    const rng = this.#rng;
    const variant = rng.int(0, 3);
    const hello: Record<string, unknown> = { type: "hello", protocol: 1 };
    if (variant === 1) hello.chatProfile = rng.unicode(rng.int(0, 40));
    if (variant === 2) hello.resume = { sessionId: `gone-${rng.ascii(8)}`, resumeToken: rng.ascii(21), lastSeq: 0 };
    if (variant === 3) hello.thread = { id: `thread-${rng.int(0, 1e6)}`, secret: rng.ascii(16) };
    const handshake =
      variant === 2
        ? ["resume_failed:expired", "welcome"]
        : variant === 3
          ? ["error:THREAD_NOT_FOUND", "welcome"]
          : ["welcome"];
    return { payload: JSON.stringify(hello), handshake };
  }

  /** `count` frames of a session, then a barrier: a window message whose answer comes after everything before it. */
  batch(count: number): FuzzFrame[] {
    if (this.#actionsNext) this.#actionsLive = true;
    const frames: FuzzFrame[] = [];
    while (frames.length < count) {
      const frame = this.#frame();
      if (frame !== undefined) frames.push(frame);
    }
    const barrier = ++this.#barriers;
    frames.push({
      category: "barrier",
      payload: JSON.stringify({ type: "window_message", id: `barrier-${barrier}`, data: { __barrier: barrier } }),
      effects: [event(`window:barrier:${barrier}`)],
    });
    return frames;
  }

  /** One frame of a random category, with its expected effects; undefined to draw again. */
  #frame(): FuzzFrame | undefined {
    const category = this.#rng.weighted(WEIGHTS);
    const payload = this.#payload(category);
    if (payload === undefined) return undefined;
    const effects = typeof payload === "string" ? this.#expectText(payload) : this.#expectBinary(payload);
    if (effects === undefined) return undefined;
    return { category, payload, effects };
  }

  #payload(category: Category): string | Uint8Array | undefined {
    const rng = this.#rng;
    switch (category) {
      case "valid":
        return JSON.stringify(this.#valid(rng.pick(FRAME_TYPES)));
      case "binary_audio": {
        const data = rng.bytes(rng.chance(0.1) ? rng.int(2000, 8000) : rng.int(0, 600));
        return audioChunk(rng.chance(0.05) ? 0 : rng.float() * 600, data);
      }
      case "wrong_type":
        return this.#wrongType();
      case "missing_field": {
        const frame = this.#valid(rng.pick(FRAME_TYPES));
        const required = (schemas[frame.type as string]?.required ?? []) as string[];
        delete frame[rng.pick(required)];
        return JSON.stringify(frame);
      }
      case "extra_field": {
        const frame = this.#valid(rng.pick(FRAME_TYPES));
        const key = rng.chance(0.5) ? rng.pick(WEIRD_KEYS) : `extra_${rng.ascii(4)}`;
        if (Object.hasOwn(schemas[frame.type as string]?.properties ?? {}, key)) return undefined;
        Object.defineProperty(frame, key, {
          value: this.#json(3),
          enumerable: true,
          configurable: true,
          writable: true,
        });
        return JSON.stringify(frame);
      }
      case "unknown_type": {
        const frame = this.#valid(rng.pick(FRAME_TYPES));
        frame.type = rng.chance(0.5) ? rng.pick(UNKNOWN_TYPES) : rng.unicode(rng.int(1, 20));
        return JSON.stringify(frame);
      }
      case "non_object":
        return JSON.stringify(
          rng.pick([[], [{ type: "stop" }], 0, -1.5, "stop", '{"type":"stop"}', null, true, false]),
        );
      case "truncated": {
        const text = JSON.stringify(this.#valid(rng.pick(FRAME_TYPES)));
        return text.slice(0, rng.int(0, text.length - 1));
      }
      case "random_text":
        return this.#randomText();
      case "huge":
        return this.#huge();
      case "deep":
        return this.#deep();
      case "random_binary": {
        const bytes = rng.bytes(rng.chance(0.05) ? rng.int(8000, 20000) : rng.int(0, 64));
        if (bytes.length > 0 && rng.chance(0.4)) bytes[0] = 1;
        return bytes;
      }
      case "json_as_binary":
        return Buffer.from(JSON.stringify(this.#valid(rng.pick(FRAME_TYPES))));
      case "raw_edge":
        return this.#rawEdge();
    }
  }

  /** A schema-valid frame of `type`, with values from every corner of what is allowed. */
  #valid(type: string): Record<string, unknown> {
    const rng = this.#rng;
    const id = () => this.#id();
    switch (type) {
      case "hello":
        return {
          type,
          protocol: rng.pick([1, 1, 2, 99]),
          ...(rng.chance(0.3) ? { chatProfile: rng.ascii(rng.int(0, 128)) } : {}),
        };
      case "user_message":
        return { type, id: id(), content: rng.chance(0.08) ? BOOM : this.#text(rng.int(0, 200)) };
      case "action_call": {
        const live = this.#actionsLive ? rng.pick([LIVE_PICK, LIVE_PICK, LIVE_ORPHAN, "random"]) : "random";
        return { type, id: id(), actionId: live === "random" ? `na-${rng.ascii(rng.int(1, 20))}` : live };
      }
      case "feedback": {
        const known = this.#actionsLive && rng.chance(0.6);
        const messageId = known ? LIVE_MESSAGE : `nx-${rng.ascii(rng.int(0, 40))}`;
        return {
          type,
          id: id(),
          messageId,
          value: rng.pick([0, 1]),
          ...(rng.chance(0.3) ? { comment: rng.chance(0.1) ? "c".repeat(4096) : this.#text(rng.int(0, 100)) } : {}),
        };
      }
      case "stop":
        return rng.chance(0.5) ? { type } : { type, id: id() };
      case "window_message":
        return { type, ...(rng.chance(0.5) ? { id: id() } : {}), data: this.#json(rng.int(0, 4)) };
      case "audio_start":
        return {
          type,
          ...(rng.chance(0.5) ? { id: id() } : {}),
          mimeType: rng.chance(0.1) ? REFUSED_MIME : rng.chance(0.1) ? "m".repeat(128) : "audio/webm",
        };
      case "audio_chunk":
        return {
          type,
          elapsedTime: rng.chance(0.1) ? 0 : rng.float() * 1000,
          data: Buffer.from(rng.bytes(rng.int(0, 1500))).toString("base64"),
        };
      case "audio_end":
        return rng.chance(0.5) ? { type } : { type, id: id() };
      case "ask_reply":
        return {
          type,
          askId: `nq-${rng.ascii(rng.int(1, 30))}`,
          ...(rng.chance(0.5) ? { content: this.#text(rng.int(0, 50)) } : {}),
          ...(rng.chance(0.3) ? { actionId: id() } : {}),
        };
      case "ack":
        return { type, seq: rng.pick([0, rng.int(0, 500), rng.int(0, 1e6), Number.MAX_SAFE_INTEGER]) };
      case "settings_update": // the app under fuzz shows no settings form
        return {
          type,
          ...(rng.chance(0.5) ? { id: id() } : {}),
          values: { [rng.ascii(rng.int(0, 20))]: this.#json(1) },
        };
      case "edit_message": // never one of the user's messages (their ids are the client's `i…`)
        return { type, id: id(), messageId: `nx-${rng.ascii(rng.int(1, 40))}`, content: this.#text(rng.int(0, 50)) };
      case "mcp_connect": {
        // the app under fuzz takes no MCP servers: nothing is ever fetched or started
        const name = `s${this.#ids}`;
        const connection = rng.chance(0.5)
          ? { name, transport: rng.pick(["streamable-http", "sse"]), url: `http://127.0.0.1:${rng.int(1, 65535)}/mcp` }
          : { name, transport: "stdio", command: rng.ascii(rng.int(1, 40)), args: [this.#text(rng.int(0, 20))] };
        return { type, id: id(), connection };
      }
      case "mcp_disconnect":
        return { type, ...(rng.chance(0.5) ? { id: id() } : {}), name: `s${rng.int(1, 99)}` };
      case "favorite": // the gateway under fuzz has no data layer: favorites are off
        return { type, id: id(), messageId: `nx-${rng.ascii(rng.int(1, 40))}`, favorite: rng.chance(0.5) };
      default:
        throw new Error(`no valid frame for ${type}`);
    }
  }

  /** An id: plain, at the 64 code point limit, astral, or with lone surrogates; never with a reserved prefix. */
  #id(): string {
    const rng = this.#rng;
    const n = ++this.#ids;
    switch (rng.int(0, 5)) {
      case 0:
        return `i${n}-${"z".repeat(64)}`.slice(0, 64);
      case 1:
        return `i${n}${"\u{1f600}".repeat(rng.int(1, 20))}`;
      case 2:
        return `i${n}\ud800\u0000"\\`;
      default:
        return `i${n}`;
    }
  }

  #text(length: number): string {
    return this.#rng.chance(0.5) ? this.#rng.ascii(length) : this.#rng.unicode(length);
  }

  /** A random JSON value, nested at most `depth` deep, with keys that include the awkward ones. */
  #json(depth: number): unknown {
    const rng = this.#rng;
    const kind = depth <= 0 ? rng.int(0, 3) : rng.int(0, 5);
    switch (kind) {
      case 0:
        return rng.pick([null, true, false]);
      case 1:
        return rng.pick([0, -0, 1, -1, 1.5e300, -2e-300, rng.float(), rng.int(-1e9, 1e9)]);
      case 2:
        return this.#text(rng.int(0, 20));
      case 3:
        return rng.chance(0.5) ? [] : {};
      case 4:
        return Array.from({ length: rng.int(0, 4) }, () => this.#json(depth - 1));
      default:
        return Object.fromEntries(
          Array.from({ length: rng.int(0, 4) }, () => [
            rng.chance(0.3) ? rng.pick(WEIRD_KEYS) : rng.ascii(3),
            this.#json(depth - 1),
          ]),
        );
    }
  }

  /** A valid frame with one field replaced by a value its schema refuses; every type/field pair in turn. */
  #wrongType(): string | undefined {
    const rng = this.#rng;
    const pairs = FRAME_TYPES.flatMap((type) =>
      Object.keys(schemas[type]?.properties ?? {}).map((field) => [type, field] as const),
    );
    const [type, field] = pairs[this.#wrongCursor++ % pairs.length] as readonly [string, string];
    const schema = schemas[type]?.properties?.[field] as Schema;
    const candidates = [
      null,
      true,
      false,
      0,
      -1,
      1.5,
      2 ** 53,
      "",
      "1",
      "x",
      "x".repeat(65),
      "x".repeat(129),
      "\u{1f600}".repeat(65),
      [],
      [1, "a"],
      {},
      { type },
      this.#json(2),
    ].filter((value) => !conforms(schema, value));
    if (candidates.length === 0) return undefined; // `data: unknown` takes anything
    const frame = this.#valid(type);
    frame[field] = rng.pick(candidates);
    this.wrongFields.add(`${type}.${field}`);
    return JSON.stringify(frame);
  }

  #randomText(): string {
    const rng = this.#rng;
    switch (rng.int(0, 3)) {
      case 0:
        return rng.ascii(rng.int(0, 200));
      case 1:
        return rng.unicode(rng.int(0, 200));
      case 2: {
        // JSON-ish token soup: now and then it is valid JSON, even a frame; the oracle decides which.
        const tokens = [
          "{",
          "}",
          "[",
          "]",
          ",",
          ":",
          '"type"',
          '"stop"',
          '"ack"',
          '"seq"',
          "1",
          "-0",
          "null",
          '"id"',
          '"x"',
          " ",
        ];
        return Array.from({ length: rng.int(1, 30) }, () => rng.pick(tokens)).join("");
      }
      default:
        return Buffer.from(rng.bytes(rng.int(1, 100))).toString("base64");
    }
  }

  /** Frames around and above maxFrameBytes (up to ~3.7x: below the transport's 4x hard limit). */
  #huge(): string {
    const rng = this.#rng;
    const max = this.#limits.maxFrameBytes;
    const id = this.#id();
    switch (rng.int(0, 4)) {
      case 0:
        return JSON.stringify({ type: "user_message", id, content: "a".repeat(rng.int(max, Math.floor(max * 3.6))) });
      case 1:
        // Few characters, many bytes: the limit is in bytes, not string length.
        return JSON.stringify({
          type: "user_message",
          id,
          content: "\u20ac".repeat(rng.int(Math.floor(max / 3) + 10, Math.floor(max * 1.2))),
        });
      case 2: {
        // Exactly at the limit (accepted) or one byte over (refused).
        const shell = JSON.stringify({ type: "user_message", id: `edge${this.#ids}`, content: "" });
        const extra = rng.pick([0, 1]);
        return JSON.stringify({
          type: "user_message",
          id: `edge${this.#ids}`,
          content: "b".repeat(max - Buffer.byteLength(shell) + extra),
        });
      }
      case 3:
        return rng.ascii(rng.int(max + 1, Math.floor(max * 3.6)));
      default:
        return JSON.stringify({ type: "window_message", data: { big: "d".repeat(rng.int(max, max * 2)) } });
    }
  }

  /** Deeply nested JSON, as a payload (allowed), in a typed field, as the whole frame, or unbalanced. */
  #deep(): string {
    const rng = this.#rng;
    const arrays = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
    const objects = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
    switch (rng.int(0, 5)) {
      case 0:
        return `{"type":"window_message","data":${arrays(rng.int(100, 4000))}}`;
      case 1:
        return `{"type":"window_message","id":"d${this.#ids}","data":${objects(rng.int(100, 1500))}}`;
      case 2:
        return `{"type":"user_message","id":"d${++this.#ids}","content":${arrays(rng.int(100, 4000))}}`;
      case 3:
        return arrays(rng.int(100, 4000));
      case 4:
        return "[".repeat(rng.int(100, 8000));
      default:
        return `{"type":"window_message","data":${arrays(rng.int(4100, 8000))}}`;
    }
  }

  /** Number and key edge cases that JSON.stringify never writes. */
  #rawEdge(): string {
    const rng = this.#rng;
    const known = this.#actionsLive ? LIVE_MESSAGE : undefined;
    return rng.pick([
      '{"type":"ack","seq":1e999}',
      '{"type":"ack","seq":-0}',
      '{"type":"ack","seq":1.0}',
      '{"type":"ack","seq":1.5}',
      '{"type":"ack","seq":-1}',
      '{"type":"ack","seq":9007199254740993}',
      '{"type":"audio_chunk","elapsedTime":1e999,"data":""}',
      '{"type":"audio_chunk","elapsedTime":-1e-400,"data":"AAAA"}',
      '{"type":"audio_chunk","elapsedTime":-0.0001,"data":""}',
      '{"type":"hello","protocol":1e999}',
      '{"type":"hello","protocol":1.0}',
      '{"type":"stop","type":"ack","seq":3}',
      '{"type":"ack","seq":3,"type":"stop"}',
      '{"type":"stop"}   ',
      ' \n\t{"type":"stop"}',
      '{"type":"st\\u006fp"}',
      '{"type":"stop"}{"type":"stop"}',
      '{"type":"stop",}',
      "{'type':'stop'}",
      '{"type":"stop","id":"\\ud800"}',
      `{"type":"feedback","id":"e${this.#ids}","messageId":${JSON.stringify(known ?? "nx-none")},"value":1.0}`,
      `{"type":"feedback","id":"e${this.#ids}","messageId":${JSON.stringify(known ?? "nx-none")},"value":-0}`,
      `{"type":"feedback","id":"e${this.#ids}","messageId":${JSON.stringify(known ?? "nx-none")},"value":0.5}`,
      "\u0000",
      "\ufeff{}",
      "null",
    ]);
  }

  /** The effects of a text frame, as the server will see it (UTF-8 round trip: lone surrogates become U+FFFD). */
  #expectText(text: string): Effect[] | undefined {
    const wire = Buffer.from(text, "utf8").toString("utf8");
    if (Buffer.byteLength(wire) > this.#limits.maxFrameBytes) return [error("FRAME_TOO_LARGE")];
    let value: unknown;
    try {
      value = JSON.parse(wire);
    } catch {
      return [error("BAD_JSON")];
    }
    if (!isRecord(value) || typeof value.type !== "string" || !Object.hasOwn(schemas, value.type)) {
      return [error("UNKNOWN_FRAME")];
    }
    if (!conforms(schemas[value.type] as Schema, value)) {
      // The gateway points back at the frame when it has a plausible id (a string of at most 64 UTF-16 units).
      const replyTo = typeof value.id === "string" && value.id.length <= 64 ? value.id : undefined;
      return [error("BAD_FRAME", this.#preHello ? undefined : replyTo)];
    }
    if (this.#preHello) return value.type === "hello" ? undefined : [error("HELLO_REQUIRED")];
    return this.#handle(value);
  }

  #expectBinary(bytes: Uint8Array): Effect[] {
    if (this.#preHello) return [error("HELLO_REQUIRED")];
    const time =
      bytes.byteLength >= 9 ? new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getFloat64(1) : Number.NaN;
    if (bytes[0] !== 1 || !Number.isFinite(time) || time < 0) return [error("BAD_BINARY")];
    return this.#chunk(bytes.byteLength - 9);
  }

  /** The effects of a schema-valid frame on a live session (the model's state moves on). */
  #handle(frame: Record<string, unknown>): Effect[] {
    const id = frame.id as string | undefined;
    switch (frame.type) {
      case "hello":
        return [error("ALREADY_HELLO")];
      case "user_message": {
        if (frame.content === BOOM) return task(errorLabel("HANDLER_FAILED", id));
        this.#actionsNext = true;
        return task(`message:re:${id}`);
      }
      case "action_call":
        return frame.actionId === LIVE_PICK ? task("message:picked") : [error("UNKNOWN_ACTION", id)];
      case "feedback":
        if (frame.messageId !== LIVE_MESSAGE) return [error("UNKNOWN_MESSAGE", id)];
        this.tally.feedback++;
        return [event(`feedback:${id}`)];
      case "stop":
        this.tally.stops++;
        // A stop silences the running task: the reply of a message before it may never come.
        this.#actionsNext = false;
        return [];
      case "window_message":
        return [event(`window:seen:${kindOf(frame.data)}`)];
      case "audio_start":
        if (frame.mimeType === REFUSED_MIME) {
          this.#audio = undefined;
          return [event("audio:false")];
        }
        this.#audio = { bytes: 0, chunks: 0 };
        return [event("audio:true")];
      case "audio_chunk":
        return this.#chunk(Buffer.from(frame.data as string, "base64").byteLength);
      case "audio_end":
        if (this.#audio === undefined) return [error("AUDIO_NOT_STARTED", id)];
        this.#audio = undefined;
        this.tally.audioEnds++;
        return [event("audio:false")];
      case "ask_reply":
        return [error("UNKNOWN_ASK", frame.askId as string)];
      case "ack":
        return [];
      case "settings_update":
        return [error("BAD_SETTINGS", id)];
      case "edit_message":
        return [error("UNKNOWN_MESSAGE", id)];
      case "mcp_connect":
      case "mcp_disconnect":
        return [error("MCP_DISABLED", id)];
      case "favorite":
        return [error("FAVORITES_DISABLED", id)];
      default:
        throw new Error(`the model does not know ${String(frame.type)}`);
    }
  }

  #chunk(bytes: number): Effect[] {
    const audio = this.#audio;
    if (audio === undefined) return [error("AUDIO_NOT_STARTED")];
    audio.bytes += bytes;
    if (audio.bytes > this.#limits.maxAudioBytes) {
      this.#audio = undefined;
      this.tally.audioEnds++; // the recording ends as the client's audio_end would end it: onAudioEnd runs
      return [event("audio:false"), error("AUDIO_TOO_LARGE")];
    }
    if (audio.chunks++ === 0) this.tally.firstChunks++;
    this.tally.chunks++;
    this.tally.chunkBytes += bytes;
    return [];
  }
}

const task = (middle: string): Effect[] => [
  { channel: "task", label: "task_start" },
  { channel: "task", label: middle },
  { channel: "task", label: "task_end" },
];

/** A binary audio chunk frame (lib/protocol/binary.ts layout), written here rather than imported. */
export function audioChunk(elapsedTime: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(9 + data.byteLength);
  out[0] = 1;
  new DataView(out.buffer).setFloat64(1, elapsedTime);
  out.set(data, 9);
  return out;
}
