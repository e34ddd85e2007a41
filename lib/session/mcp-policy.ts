// What an MCP connection may reach: the app's policy. A user-given URL fetched by the server is SSRF unless its
// host is allowed and every address it resolves to is public; a user-given command is code execution unless the app
// allow-listed it.
import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { ChatwireError } from "../errors.ts";
import type { McpStdioConnection } from "../protocol/mcp.ts";

/** A command the app lets users start as a stdio MCP server, with exactly these arguments. */
export interface McpCommandRule {
  readonly command: string;
  readonly args: readonly string[];
}

/** The gateway's `mcp` option (docs/security.md). Everything is refused unless allowed here. */
export interface McpPolicy {
  /** Commands a user may start as stdio servers: a string allows that command with any arguments (only for a
   * command that runs nothing the user chooses), a rule only with its arguments. Default: none. */
  readonly allowCommands?: readonly (string | McpCommandRule)[] | undefined;
  /** Hosts a user's URL may name: `"mcp.example.com"`, `"*.example.com"` (its subdomains), or `"*"` (any public
   * host). Default: none. */
  readonly allowHosts?: readonly string[] | undefined;
  /** Let allowed hosts resolve to loopback, link-local and private addresses (e.g. a server on 127.0.0.1 in
   * development). Default false: such a URL is refused, whatever its host. */
  readonly allowPrivateAddresses?: boolean | undefined;
  /** Servers one session may have at once; one more is refused with MCP_LIMIT. Default 5. */
  readonly maxServersPerSession?: number | undefined;
  /** Bytes (as JSON) a tool result may have; a larger one fails with MCP_RESULT_TOO_LARGE. Default 1 MiB. */
  readonly maxToolResultBytes?: number | undefined;
  /** How long connecting (and listing the tools) may take before MCP_CONNECT_FAILED. Default 10 s. */
  readonly connectTimeoutMs?: number | undefined;
}

/** The policy with its defaults filled in. */
export type ResolvedMcpPolicy = { readonly [K in keyof McpPolicy]-?: Exclude<McpPolicy[K], undefined> };

export const resolveMcpPolicy = (policy: McpPolicy = {}): ResolvedMcpPolicy => ({
  allowCommands: policy.allowCommands ?? [],
  allowHosts: policy.allowHosts ?? [],
  allowPrivateAddresses: policy.allowPrivateAddresses ?? false,
  maxServersPerSession: policy.maxServersPerSession ?? 5,
  maxToolResultBytes: policy.maxToolResultBytes ?? 1024 * 1024,
  connectTimeoutMs: policy.connectTimeoutMs ?? 10_000,
});

/** Throws MCP_REFUSED unless the policy allow-lists this command with these arguments. */
export function checkCommand(policy: ResolvedMcpPolicy, connection: McpStdioConnection): void {
  const args = connection.args ?? [];
  const allowed = policy.allowCommands.some((rule) =>
    typeof rule === "string"
      ? rule === connection.command
      : rule.command === connection.command &&
        rule.args.length === args.length &&
        rule.args.every((arg, i) => arg === args[i]),
  );
  if (!allowed) throw new ChatwireError("MCP_REFUSED", `the command "${connection.command}" is not allowed`);
}

/** Addresses no user URL may reach unless the policy allows private addresses. */
const internal = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  internal.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
  ["ff00::", 8],
] as const) {
  internal.addSubnet(net, prefix, "ipv6");
}

/** Whether `address` is loopback, link-local, private, or otherwise not a public unicast address. An IPv6 address
 * that embeds an IPv4 one (mapped, NAT64) is judged by the IPv4 address. */
export function isInternalAddress(address: string): boolean {
  const embedded = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (embedded !== undefined) return isInternalAddress(embedded);
  const mappedHex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (mappedHex !== null) {
    const [high, low] = [Number.parseInt(mappedHex[1] ?? "0", 16), Number.parseInt(mappedHex[2] ?? "0", 16)];
    return isInternalAddress(`${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`);
  }
  const family = isIP(address);
  if (family === 0) return true;
  return internal.check(address, family === 4 ? "ipv4" : "ipv6");
}

const hostAllowed = (patterns: readonly string[], host: string) =>
  patterns.some((pattern) => {
    const p = pattern.toLowerCase();
    return p === "*" || p === host || (p.startsWith("*.") && host.endsWith(p.slice(1)));
  });

/**
 * Throws MCP_REFUSED unless `url` is http(s), its host is allowed, and every address it resolves to is public (or
 * the policy allows private ones). Called before each request, not only at connect: a name may resolve elsewhere
 * later (DNS rebinding narrows to the moment between this lookup and fetch's own).
 */
export async function checkUrl(policy: ResolvedMcpPolicy, url: URL): Promise<void> {
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ChatwireError("MCP_REFUSED", "an MCP server URL must be http: or https:");
  }
  if (url.username !== "" || url.password !== "") {
    throw new ChatwireError("MCP_REFUSED", "an MCP server URL may not carry credentials: use headers");
  }
  const host = url.hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
  if (!hostAllowed(policy.allowHosts, host)) {
    throw new ChatwireError("MCP_REFUSED", `the host "${host}" is not allowed`);
  }
  if (policy.allowPrivateAddresses) return;
  const addresses = isIP(host) === 0 ? await resolveAll(host) : [host];
  if (addresses.length === 0 || addresses.some(isInternalAddress)) {
    throw new ChatwireError("MCP_REFUSED", `the host "${host}" has a loopback, link-local or private address`);
  }
}

async function resolveAll(host: string): Promise<string[]> {
  try {
    return (await lookup(host, { all: true, verbatim: true })).map(({ address }) => address);
  } catch {
    throw new ChatwireError("MCP_REFUSED", `the host "${host}" does not resolve`);
  }
}

/** A fetch that checks every request's URL against the policy and never follows a redirect (it could point
 * anywhere): what the SDK's HTTP transports use. */
export const guardedFetch =
  (policy: ResolvedMcpPolicy) =>
  async (url: string | URL, init?: RequestInit): Promise<Response> => {
    await checkUrl(policy, new URL(url));
    return fetch(url, { ...init, redirect: "error" });
  };
