// What the server allows the page to talk to, delivered in the served index.html (lib/playground/plugin.ts writes
// it; the URL never can). DOM-free, so the plugin shares the type and the page parses the same shape it was sent.

/** The server's allowlists for the page. Both are empty by default: same origin only. */
export interface PageConfig {
  /** Origins besides the page's own that may embed it and exchange window messages (`?parentOrigin=` picks one). */
  readonly parentOrigins: readonly string[];
  /** WebSocket URLs of gateways on other origins that `?ws=` may name. */
  readonly gateways: readonly string[];
}

/** The name of the `<meta>` element that carries the config as JSON in its `content`. */
export const PAGE_CONFIG_META = "chatwire-playground";

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];

/**
 * Parses the config; anything missing or malformed allows nothing beyond the page's own origin.
 * @example parsePageConfig('{"parentOrigins":["https://shop.example"]}').gateways // []
 */
export function parsePageConfig(json: string | null | undefined): PageConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(json ?? "{}");
  } catch {
    raw = {};
  }
  const fields = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  return { parentOrigins: strings(fields.parentOrigins), gateways: strings(fields.gateways) };
}
