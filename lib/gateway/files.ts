// The gateway's files: the store (the data layer's, else memory), the signer, the sweep of unclaimed uploads, and
// the routes.
import type { FastifyInstance } from "fastify";
import type { FileAccess } from "../context/files.ts";
import { createFileSigner } from "../data/file-signer.ts";
import { createMemoryFileStore } from "../data/memory-files.ts";
import { fileRoutes } from "./file-routes.ts";
import type { ResolvedOptions } from "./options.ts";
import type { Persistence } from "./persistence.ts";

/** The sweep runs this often at most (and at least every half of the unclaimed-upload lifetime). */
const MAX_SWEEP_INTERVAL_MS = 60_000;

/** Sets up files for a gateway: returns what sessions need, registers the routes and the sweep. */
export async function openFiles<S extends object>(
  app: FastifyInstance,
  options: ResolvedOptions<S>,
  persistence: Persistence | undefined,
): Promise<FileAccess> {
  const store = persistence?.layer.files ?? createMemoryFileStore();
  const secret =
    options.fileUrlSecret ??
    process.env.CHATWIRE_FILE_SECRET ??
    options.auth?.secret ??
    process.env.CHATWIRE_AUTH_SECRET;
  const base = app.prefix === "/" ? "" : app.prefix;
  const signer = createFileSigner(secret, base);
  const ttl = options.unclaimedUploadTtlMs;
  const sweep = setInterval(
    () => {
      store.sweep(new Date(Date.now() - ttl).toISOString()).catch((error: unknown) => {
        app.log.warn({ err: error }, "the sweep of unclaimed uploads failed");
      });
    },
    Math.max(1_000, Math.min(MAX_SWEEP_INTERVAL_MS, ttl / 2)),
  );
  sweep.unref();
  app.addHook("onClose", async () => clearInterval(sweep));
  await app.register(fileRoutes, { store, signer, limits: options });
  return { store, signer, maxElementBytes: options.maxUploadBytes };
}
