// A numbered frame as the text that goes on the wire: `{"seq":N,…the frame's fields}`. The frames sent most (a stream
// token per token, task_start and task_end per turn) are written by hand when their strings need no escape:
// JSON.stringify's fixed cost per call was the largest share of a streamed token's CPU (docs/performance.md). Every
// other frame goes through JSON.stringify.
import type { OutgoingFrame } from "../protocol/server.ts";

/** Characters a JSON string may not hold as they are (JSON.stringify escapes them; surrogates may be lone ones). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /[\u0000-\u001f"\\\ud800-\udfff]/;

/**
 * `JSON.stringify({ seq, ...frame })`, the same text. Throws as JSON.stringify does for a frame it cannot serialise.
 * @example frameText(7, { type: "stream_token", id: "m1", token: "Hi" }) // '{"seq":7,"type":"stream_token","id":"m1","token":"Hi"}'
 */
export function frameText(seq: number, frame: OutgoingFrame): string {
  if (frame.type === "stream_token" && frame.replace === undefined) {
    const { id, token } = frame;
    // One chain of concatenations (fewer pieces than a template with quoted parts), in the order every stream_token
    // is built with (type, id, token); a token or id that needs an escape takes JSON.stringify.
    if (plain(token) && plain(id)) {
      // biome-ignore lint/style/useTemplate: a template with quoted parts allocated more pieces per token (measured)
      return '{"seq":' + seq + ',"type":"stream_token","id":"' + id + '","token":"' + token + '"}';
    }
  }
  if (
    (frame.type === "task_start" || (frame.type === "task_end" && frame.aborted === undefined)) &&
    plain(frame.taskId)
  ) {
    // biome-ignore lint/style/useTemplate: as above
    return '{"seq":' + seq + ',"type":"' + frame.type + '","taskId":"' + frame.taskId + '"}';
  }
  return JSON.stringify({ seq, ...frame });
}

/** A string JSON holds as it is, between quotes. */
const plain = (text: unknown): text is string => typeof text === "string" && !NEEDS_ESCAPE.test(text);
