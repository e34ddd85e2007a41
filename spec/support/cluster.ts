// A test cluster: node processes of spec/fixtures/cluster-node.ts (the built package) on one PostgreSQL, and a
// round-robin TCP proxy in front of them with no affinity, as a plain load balancer would be.
import { createConnection, createServer, type Socket } from "node:net";
import type { TestContext } from "node:test";
import { type AppProcess, startAppProcess } from "./process.ts";

/** One node process; `kill()` is kill -9: no shutdown, no goodbye to the directory. */
export type ClusterNodeProcess = AppProcess;

/** Starts one node (the app `fixture`) on `databaseUrl`; killed when the test ends. */
export async function startClusterNode(
  t: Pick<TestContext, "after">,
  databaseUrl: string,
  env: Record<string, string> = {},
  fixture = "spec/fixtures/cluster-node.ts",
): Promise<ClusterNodeProcess> {
  const secret = "cluster-test-secret-0123456789abcdefghij";
  return startAppProcess(t, fixture, { DATABASE_URL: databaseUrl, CHATWIRE_AUTH_SECRET: secret, ...env }, 30_000);
}

/** The proxy: each new connection goes to the next port in turn. */
export interface RoundRobinProxy {
  readonly port: number;
  /** For each connection so far, the index of the port it was sent to. */
  readonly landed: number[];
}

/** A TCP proxy on 127.0.0.1 sending connections to `ports` in turn; a side that closes closes the other. */
export async function startProxy(t: TestContext, ports: readonly number[]): Promise<RoundRobinProxy> {
  const landed: number[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const index = landed.length % ports.length;
    landed.push(index);
    const upstream = createConnection({ host: "127.0.0.1", port: ports[index] as number });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => {});
    }
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((closed) => server.close(() => closed()));
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("the proxy is not listening");
  return { port: address.port, landed };
}

/** Logs `username` in on a node and returns the headers a socket opened with that login sends. */
export async function logIn(
  port: number,
  username: string,
): Promise<{ token: string; headers: Record<string, string> }> {
  const reply = await fetch(`http://127.0.0.1:${port}/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username, password: `${username}-pw` }),
  });
  if (reply.status !== 200) throw new Error(`login failed: ${reply.status} ${await reply.text()}`);
  const { token } = (await reply.json()) as { token: string };
  return { token, headers: { authorization: `Bearer ${token}` } };
}
