// The current time as an ISO 8601 string, made once per millisecond: a busy session takes many messages in the same
// millisecond, and a Date and its string per message are a measurable share of a round trip's garbage.

let lastMs = Number.NaN;
let lastIso = "";

/** `new Date().toISOString()`, the string shared by every call within one millisecond. */
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
