// A numbered frame as the text that goes on the wire: `{"seq":N,…the frame's fields}`. A stream token (one frame per
// token of a streamed answer) is written by hand: JSON.stringify's fixed cost per call was the largest share of a
// streamed token's CPU (docs/performance.md). Every other frame goes through JSON.stringify.
import type { OutgoingFrame } from "../protocol/server.ts";

/** Characters a JSON string may not hold as they are (JSON.stringify escapes them; surrogates may be lone ones). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/** `JSON.stringify(text)`, without its call when the text needs no escape (an id, most tokens). */
function quoted(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * `JSON.stringify({ seq, ...frame })`, the same text. Throws as JSON.stringify does for a frame it cannot serialise.
 * @example frameText(7, { type: "stream_token", id: "m1", token: "Hi" }) // '{"seq":7,"type":"stream_token","id":"m1","token":"Hi"}'
 */
export function frameText(seq: number, frame: OutgoingFrame): string {
  if (frame.type === "stream_token" && typeof frame.id === "string" && typeof frame.token === "string") {
    // The fields in the order every stream_token is built with (type, id, token, replace).
    const replace = frame.replace === undefined ? "" : `,"replace":${frame.replace === true}`;
    return `{"seq":${seq},"type":"stream_token","id":${quoted(frame.id)},"token":${quoted(frame.token)}${replace}}`;
  }
  return JSON.stringify({ seq, ...frame });
}
