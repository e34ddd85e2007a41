// Cross-site WebSocket hijacking guard: a browser's upgrade must come from an allowed origin.

/**
 * Whether an upgrade with this Origin may proceed. No Origin header (a non-browser client) is allowed; otherwise
 * the origin must be in `allowed`, or — with no list — have the same host as the request (same-origin).
 * @example isAllowedOrigin("https://evil.example", "chat.example", undefined) // false
 */
export function isAllowedOrigin(
  origin: string | undefined,
  host: string | undefined,
  allowed: readonly string[] | undefined,
): boolean {
  if (origin === undefined) return true;
  if (allowed !== undefined) return allowed.includes("*") || allowed.includes(origin);
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}
