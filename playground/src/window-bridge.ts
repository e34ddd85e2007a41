// Window messages between the page and the page that embeds it in an iframe. Only the parent window, at the
// expected origin, is listened to and written to: the page's own origin, or the one `?parentOrigin=` names if the
// server allows it (PageConfig.parentOrigins). The URL alone never widens it: whoever frames the page writes the URL.

/**
 * Listens to the parent's postMessage; returns how to post data to the parent (a no-op when not embedded).
 * @example const toParent = bridgeWindow(url, config.parentOrigins, (data) => connection.send({ type: "window_message", data }));
 */
export function bridgeWindow(
  location: URL,
  allowed: readonly string[],
  fromParent: (data: unknown) => void,
): (data: unknown) => void {
  const asked = location.searchParams.get("parentOrigin");
  const parentOrigin = asked !== null && allowed.includes(asked) ? asked : location.origin;
  if (window.parent === window) return () => undefined;
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || event.origin !== parentOrigin) return;
    fromParent(event.data);
  });
  return (data) => window.parent.postMessage(data, parentOrigin);
}
