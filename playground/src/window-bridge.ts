// Window messages between the page and the page that embeds it in an iframe. Only the parent window, at the
// expected origin (same origin unless `?parentOrigin=` says otherwise), is listened to and written to.

/**
 * Listens to the parent's postMessage; returns how to post data to the parent (a no-op when not embedded).
 * @example const toParent = bridgeWindow(url, (data) => connection.send({ type: "window_message", data }));
 */
export function bridgeWindow(location: URL, fromParent: (data: unknown) => void): (data: unknown) => void {
  const parentOrigin = location.searchParams.get("parentOrigin") ?? location.origin;
  if (window.parent === window) return () => undefined;
  window.addEventListener("message", (event) => {
    if (event.source !== window.parent || event.origin !== parentOrigin) return;
    fromParent(event.data);
  });
  return (data) => window.parent.postMessage(data, parentOrigin);
}
