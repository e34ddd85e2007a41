// The gateway's side of persistence: open the data layer and recorder, and reopen a stored thread for its owner.

import type { FastifyBaseLogger } from "fastify";
import { CONVERSATION_METADATA_KEY, type DataLayer, type LoadedThread, STORE_METADATA_KEY } from "../data/layer.ts";
import { createRecorder, type Recorder } from "../data/recorder.ts";
import { createS3FileBytes, type FileStorage, s3OptionsFromEnv } from "../data/s3-files.ts";
import { createThreadSecret, hashThreadSecret, secretMatches } from "../data/secret.ts";
import { createDataLayer, type DataLayerChoice } from "../data/select.ts";
import { ChatwireError } from "../errors.ts";
import type { ThreadRequest } from "../protocol/client.ts";
import type { TokenCounts } from "../protocol/server.ts";
import type { SettingsValues } from "../protocol/settings.ts";
import type { JsonObject, User } from "../protocol/views.ts";
import { ThreadLink } from "../session/thread-link.ts";
import { storedCounts } from "../session/usage.ts";

/** How a gateway persists: a choice resolved by createDataLayer, or a layer the embedder opened itself. */
export type DataOption = DataLayerChoice | DataLayer;

/** An open data layer with its recorder. */
export interface Persistence {
  readonly layer: DataLayer;
  readonly recorder: Recorder;
  /** Flushes the recorder, and closes the layer if the gateway opened it. */
  close(): Promise<void>;
}

const isLayer = (option: DataOption): option is DataLayer =>
  typeof option === "object" && option !== null && "apply" in option;

/** Opens persistence for `option`; undefined when there is none (`false` or not given). */
export async function openPersistence(
  option: DataOption | undefined,
  log: FastifyBaseLogger,
  writeTimeoutMs?: number,
  fileStorage?: FileStorage,
): Promise<Persistence | undefined> {
  // From the environment, S3 applies to a layer chatwire opens; a layer the app opened decides for itself.
  const fromEnv = fileStorage === undefined && option !== undefined && option !== false && isLayer(option);
  const s3 = fileStorage === "database" || fromEnv ? undefined : (fileStorage?.s3 ?? s3OptionsFromEnv(process.env));
  if (s3 !== undefined && (option === undefined || option === false || isLayer(option)))
    throw new ChatwireError(
      "INVALID_OPTION",
      option !== undefined && option !== false
        ? "fileStorage: a data layer you open yourself takes its file bytes as an option: fileBytes: await createS3FileBytes(…)"
        : "fileStorage: S3 keeps the files' rows in the data layer: give the gateway SQLite or PostgreSQL",
    );
  if (option === undefined || option === false) return undefined;
  const owned = !isLayer(option);
  const fileBytes = s3 === undefined ? undefined : await createS3FileBytes(s3);
  const layer = isLayer(option) ? option : await createDataLayer(option, undefined, fileBytes);
  if (layer === undefined) return undefined;
  const recorder = createRecorder(layer, { log, ...(writeTimeoutMs === undefined ? {} : { writeTimeoutMs }) });
  return {
    layer,
    recorder,
    async close() {
      await recorder.close();
      if (owned) await layer.close();
    },
  };
}

/**
 * The thread asked for, if it exists and the requester may open it: a user's own thread, or an anonymous thread
 * with its secret. A missing thread and someone else's look the same (undefined), so existence never leaks.
 * This node's writes of the thread still queued (a reconnect right after a change, the dropped session's saved
 * state) are committed first, so that the reopened thread has them.
 */
export async function loadOwnedThread(
  { layer, recorder }: Pick<Persistence, "layer" | "recorder">,
  request: ThreadRequest,
  user: User | undefined,
): Promise<LoadedThread | undefined> {
  await recorder.settle(request.id);
  const record = await layer.getThread(request.id);
  if (record === undefined) return undefined;
  const owned =
    record.userIdentifier !== undefined
      ? record.userIdentifier === user?.identifier
      : secretMatches(record.secretHash, request.secret);
  return owned ? layer.loadThread(request.id) : undefined;
}

/** A session's link to a new thread (with a secret for anonymous users) or to the reopened one. */
export function linkThread(
  persistence: Persistence,
  threadId: string,
  user: User | undefined,
  loaded: LoadedThread | undefined,
  log: FastifyBaseLogger,
): { link: ThreadLink; secret?: string } {
  if (loaded !== undefined) {
    return { link: new ThreadLink(persistence.recorder, threadId, { metadata: loaded.metadata }, log, true) };
  }
  if (user !== undefined) {
    return { link: new ThreadLink(persistence.recorder, threadId, { owner: user, metadata: {} }, log, false) };
  }
  const secret = createThreadSecret();
  const thread = { secretHash: hashThreadSecret(secret), metadata: {} };
  return { link: new ThreadLink(persistence.recorder, threadId, thread, log, false), secret };
}

/** The session state saved in a thread's metadata. */
export const restoredState = (thread: LoadedThread): JsonObject | undefined => {
  const saved = thread.metadata[STORE_METADATA_KEY];
  return typeof saved === "object" && saved !== null && !Array.isArray(saved) ? (saved as JsonObject) : undefined;
};

/** The settings values and chat profile saved in a thread's metadata (the session checks them again). */
export function restoredConversation(thread: LoadedThread): {
  settings?: SettingsValues;
  chatProfile?: string;
  usage?: TokenCounts;
} {
  const saved = thread.metadata[CONVERSATION_METADATA_KEY];
  if (typeof saved !== "object" || saved === null || Array.isArray(saved)) return {};
  const { settings, chatProfile, usage } = saved as Record<string, unknown>;
  const counts = storedCounts(usage);
  return {
    ...(counts === undefined ? {} : { usage: counts }),
    ...(typeof settings === "object" && settings !== null && !Array.isArray(settings)
      ? { settings: settings as SettingsValues }
      : {}),
    ...(typeof chatProfile === "string" ? { chatProfile } : {}),
  };
}
