// Ids for the frames the client sends. crypto.randomUUID needs a secure context, which a LAN http:// page is not.

/** Makes ids unique to one client: `kind-<random>-<counter>`, at most 64 characters as the protocol requires. */
export function idMaker(): (kind: string) => string {
  const prefix = Math.random().toString(36).slice(2, 10);
  let counter = 0;
  return (kind) => `${kind.slice(0, 32)}-${prefix}-${++counter}`;
}
