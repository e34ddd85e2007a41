// The gateway's HTTP routes (auth, threads) as the page reaches them: next to the WebSocket endpoint, same origin.
// Every answer comes back as status and parsed body, so callers decide what a 401 or a 404 means for them.

/** A JSON answer: the HTTP status and the parsed body (undefined when empty or not JSON). */
export interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * Where the HTTP routes are: `?api=` if given, else the WebSocket URL without its last segment, over http(s).
 * @example apiBase(new URL("https://chat.example/"), "wss://chat.example/ws") // "https://chat.example/"
 */
export function apiBase(location: URL, gateway: string): string {
  const override = location.searchParams.get("api");
  if (override) return new URL(override.endsWith("/") ? override : `${override}/`, location.href).href;
  return new URL(".", gateway.replace(/^ws/, "http")).href;
}

/**
 * Calls a route under `base`; a network failure answers status 0, so nothing here throws.
 * @example const { status, body } = await callApi(base, "auth/me");
 */
export async function callApi(
  base: string,
  path: string,
  init: { method?: string; json?: unknown } = {},
): Promise<ApiAnswer> {
  const headers: Record<string, string> = init.json === undefined ? {} : { "content-type": "application/json" };
  try {
    const response = await fetch(new URL(path, base), {
      method: init.method ?? "GET",
      headers,
      credentials: "same-origin",
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
    const text = await response.text();
    return { status: response.status, body: parseJson(text) };
  } catch {
    return { status: 0, body: undefined };
  }
}

const parseJson = (text: string): unknown => {
  try {
    return text === "" ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
};
