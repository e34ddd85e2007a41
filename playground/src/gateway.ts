// Which gateway the page talks to: its own origin's `/ws`, or one that `?ws=` names if the server allows it.
// The connection itself is chatwire/client's (lib/client).

/** The gateway the page connects to; `refused` is a `?ws=` that named a gateway the server does not allow. */
export interface GatewayChoice {
  readonly url: string;
  readonly refused?: string;
}

/**
 * The gateway's URL: `/ws` on this host (wss: when the page is https:), or `?ws=` if it names one on this origin or
 * one of the server's `allowed` gateways (PageConfig.gateways): a link must not point the page at any server.
 * @example gatewayUrl(new URL("https://chat.example/?x"), []).url // "wss://chat.example/ws"
 */
export function gatewayUrl(location: URL, allowed: readonly string[]): GatewayChoice {
  const socketScheme = location.protocol === "https:" ? "wss:" : "ws:";
  const own = `${socketScheme}//${location.host}/ws`;
  const override = location.searchParams.get("ws");
  if (!override) return { url: own };
  let url: URL;
  try {
    url = new URL(override, location.href.replace(/^http/, "ws"));
  } catch {
    return { url: own, refused: override };
  }
  const sameOrigin = url.protocol === socketScheme && url.host === location.host;
  return sameOrigin || allowed.includes(url.href) ? { url: url.href } : { url: own, refused: url.href };
}
