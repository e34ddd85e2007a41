// Ids for the frames the page sends. crypto.randomUUID needs a secure context, which a LAN http:// page is not.

const prefix = Math.random().toString(36).slice(2, 10);
let counter = 0;

/** A new frame id, unique for this page (at most 64 characters, as the protocol requires). */
export const newId = (kind: string): string => `${kind}-${prefix}-${++counter}`;
