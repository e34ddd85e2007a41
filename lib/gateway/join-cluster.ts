// The gateway's side of the `cluster` option: joins the cluster (lib/cluster) and lends it the one thing only the
// gateway knows how to do, a resume checked and welcomed exactly as a local one, for clients relayed from elsewhere.
import type { FastifyBaseLogger } from "fastify";
import type { ClusterNode, ResumeHere, ResumeRefusal } from "../cluster/cluster.ts";
import type { FileAccess } from "../context/files.ts";
import { type HandshakeConnection, resumeHere } from "./handshake.ts";
import type { GatewayOptions } from "./options.ts";
import type { SessionRegistry } from "./registry.ts";

/** What the cluster needs of the gateway it runs in. */
export interface ClusterHost {
  readonly registry: SessionRegistry;
  readonly log: FastifyBaseLogger;
  readonly files: FileAccess;
  /** Another node's logout revoked `tokenId`: close this node's sockets opened with it. */
  revoked(tokenId: string): void;
}

/** Joins the cluster when the option asks for it; its tables come with the PostgreSQL migrations. */
export async function joinTheCluster(
  option: GatewayOptions["cluster"],
  host: ClusterHost,
): Promise<ClusterNode | undefined> {
  if (option === undefined || option === false) return undefined;
  const [{ joinCluster }, { clusterSettings }, { createPostgresLayer }] = await Promise.all([
    import("../cluster/cluster.ts"),
    import("../cluster/options.ts"),
    import("../data/postgres.ts"),
  ]);
  const settings = clusterSettings(option);
  const layer = createPostgresLayer({ connectionString: settings.url, maxConnections: 1 });
  try {
    await layer.migrate();
  } finally {
    await layer.close();
  }
  const { registry, log, files, revoked } = host;
  const resume: ResumeHere = async (request, user, sink) => {
    // The holder's side of a relayed resume: resume_failed is the answer to the relaying node, everything else
    // (welcome, replay) goes down the relay to the client.
    let refused: ResumeRefusal | undefined;
    const connection: HandshakeConnection = {
      user,
      sink,
      open: true,
      send: (frame) => {
        if (frame.type === "resume_failed") refused = frame.reason;
        else sink.send(JSON.stringify(frame));
      },
      error: (code, message) => sink.send(JSON.stringify({ seq: 0, type: "error", code, message })),
      close: (code, reason) => sink.close(code, reason),
    };
    const { ending } = resumeHere(request, connection, registry, files);
    // An overflowed session ends first, so that the thread the client reopens elsewhere is complete.
    await ending;
    return refused;
  };
  return joinCluster(settings, { held: registry, log, resume, revoked, viewers: registry.viewers });
}
