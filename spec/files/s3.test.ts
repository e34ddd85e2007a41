// The S3 file store against a real S3-compatible server (s3rver, started here): uploads stream into the bucket as
// multipart parts, are served with Range and ETag, are cut off with nothing left behind, and their objects go with
// their thread or when no message claimed them. The files' rows stay in the SQL layer, so quotas count them too.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { createApp, createS3FileBytes, createSqliteLayer, type DataLayer } from "chatwire";
import { connectClient } from "chatwire/testing";
import { startGateway } from "../support/gateway.ts";
import { startS3, type TestS3 } from "../support/s3.ts";
import { httpBase, upload } from "./support.ts";

const MiB = 1024 * 1024;
const BIN = "application/octet-stream";

async function s3Layer(
  t: import("node:test").TestContext,
): Promise<{ layer: DataLayer; s3: TestS3; keys(): Promise<Map<string, number>> }> {
  const s3 = await startS3();
  const dir = mkdtempSync(join(tmpdir(), "chatwire-s3-layer-"));
  const layer = createSqliteLayer({ path: join(dir, "chatwire.db"), fileBytes: await createS3FileBytes(s3.options) });
  await layer.migrate();
  t.after(async () => {
    await layer.close();
    await s3.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  const client = bucketClient(s3);
  t.after(() => client.destroy());
  /** The bucket's objects: key → size. */
  const keys = async () => {
    const listed = await client.send(new ListObjectsV2Command({ Bucket: s3.options.bucket }));
    return new Map((listed.Contents ?? []).map((object) => [object.Key ?? "", object.Size ?? 0]));
  };
  return { layer, s3, keys };
}

/** A client of its own, to look into the bucket. */
const bucketClient = ({ options }: TestS3) =>
  new S3Client({
    endpoint: options.endpoint,
    region: options.region,
    forcePathStyle: options.forcePathStyle,
    credentials: options.credentials,
  });

async function* once(bytes: Buffer): AsyncGenerator<Buffer> {
  yield bytes;
}

test("on S3: a 12 MiB upload goes to the bucket in parts and is served whole, by Range and with an ETag", async (t) => {
  const { layer, keys } = await s3Layer(t);
  const server = await startGateway(t, { hooks: createApp().seal(), data: layer, maxUploadBytes: 20 * MiB });
  const base = httpBase(server);
  const client = await connectClient(server);
  t.after(() => client.close());
  const bytes = randomBytes(12 * MiB);
  const sent = await upload(base, client.welcome?.uploadToken, "big.bin", BIN, bytes);
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  assert.equal(sent.body.size, bytes.length);
  assert.equal((await keys()).get(`chatwire/files/${sent.body.id}`), bytes.length, "one object of the file's size");
  assert.equal(await layer.files?.sessionBytes(client.welcome?.sessionId ?? ""), bytes.length, "its row counts");

  const whole = await fetch(`${base}${sent.body.url}`);
  assert.equal(whole.status, 200);
  assert.ok(Buffer.from(await whole.arrayBuffer()).equals(bytes));
  const etag = whole.headers.get("etag") ?? "";
  assert.ok(etag);
  assert.equal((await fetch(`${base}${sent.body.url}`, { headers: { "if-none-match": etag } })).status, 304);

  const across = { start: 5 * MiB - 10, end: 5 * MiB + 20 };
  const ranged = await fetch(`${base}${sent.body.url}`, { headers: { range: `bytes=${across.start}-${across.end}` } });
  assert.equal(ranged.status, 206);
  assert.equal(ranged.headers.get("content-range"), `bytes ${across.start}-${across.end}/${bytes.length}`);
  assert.ok(Buffer.from(await ranged.arrayBuffer()).equals(bytes.subarray(across.start, across.end + 1)));
  const tail = await fetch(`${base}${sent.body.url}`, { headers: { range: "bytes=-100" } });
  assert.ok(Buffer.from(await tail.arrayBuffer()).equals(bytes.subarray(-100)));

  const stranger = await fetch(`${base}/files/${sent.body.id}`);
  assert.equal(stranger.status, 404, "without its signed URL, a file is missing");
});

test("on S3: an upload cut off at maxUploadBytes leaves no object and no row", async (t) => {
  const { layer, keys } = await s3Layer(t);
  const server = await startGateway(t, { hooks: createApp().seal(), data: layer, maxUploadBytes: 7 * MiB });
  const client = await connectClient(server);
  t.after(() => client.close());
  const refused = await upload(httpBase(server), client.welcome?.uploadToken, "big.bin", BIN, randomBytes(12 * MiB));
  assert.equal(refused.status, 413);
  assert.equal(refused.body.code, "FILE_TOO_LARGE");
  assert.deepEqual([...(await keys()).keys()], []);
  assert.equal(await layer.files?.sessionBytes(client.welcome?.sessionId ?? ""), 0);
  const small = await upload(httpBase(server), client.welcome?.uploadToken, "a.bin", BIN, randomBytes(1000));
  assert.equal(small.status, 201, "a small file is one PUT");
  assert.deepEqual([...(await keys()).values()], [1000]);
});

test("on S3: deleting a thread deletes its objects; the sweep deletes unclaimed ones and keeps claimed ones", async (t) => {
  const { layer, keys } = await s3Layer(t);
  const files = layer.files;
  assert.ok(files);
  const thread = await layer.createThread({ id: "t1", metadata: {} });
  const file = (id: string, threadId?: string) => ({ id, name: `${id}.bin`, mime: BIN, sessionId: "s1", threadId });
  await files.put(file("kept", thread.id), once(randomBytes(6 * MiB)));
  await files.put(file("empty", thread.id), once(Buffer.alloc(0)));
  await files.put(file("loose"), once(randomBytes(10)));
  await files.put(file("claimed"), once(randomBytes(10)));
  const other = await layer.createThread({ id: "t2", metadata: {} });
  await files.claim(["claimed"], other.id);
  assert.equal((await keys()).size, 4);
  let read = 0;
  for await (const chunk of files.read("empty")) read += chunk.length;
  assert.equal(read, 0);

  assert.equal(await layer.deleteThread(thread.id), true);
  assert.deepEqual([...(await keys()).keys()].sort(), ["chatwire/files/claimed", "chatwire/files/loose"]);
  assert.equal(await files.get("kept"), undefined);

  assert.equal(await files.sweep(new Date(Date.now() + 60_000).toISOString()), 1);
  assert.deepEqual([...(await keys()).keys()], ["chatwire/files/claimed"]);
  assert.equal((await files.get("claimed"))?.threadId, other.id);
});

test("the S3 store is configured by fileStorage or CHATWIRE_S3_*, and refused where it would keep nothing", async (t) => {
  const s3 = await startS3();
  t.after(() => s3.stop());
  const dir = mkdtempSync(join(tmpdir(), "chatwire-s3-option-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const server = await startGateway(t, {
    hooks: createApp().seal(),
    data: { sqlite: join(dir, "chatwire.db") },
    fileStorage: { s3: s3.options },
  });
  const client = await connectClient(server);
  t.after(() => client.close());
  const sent = await upload(httpBase(server), client.welcome?.uploadToken, "a.txt", "text/plain", Buffer.from("hi s3"));
  assert.equal(sent.status, 201);
  const listed = await bucketClient(s3).send(new ListObjectsV2Command({ Bucket: s3.options.bucket }));
  assert.deepEqual(
    listed.Contents?.map((object) => object.Key),
    [`chatwire/files/${sent.body.id}`],
  );

  await assert.rejects(
    startGateway(t, { hooks: createApp().seal(), data: "memory", fileStorage: { s3: s3.options } }),
    /SQLite or PostgreSQL/,
  );

  // chatwire run's way: the environment (the SDK reads the keys from AWS_*).
  const env = {
    CHATWIRE_S3_BUCKET: s3.options.bucket,
    CHATWIRE_S3_ENDPOINT: s3.options.endpoint,
    CHATWIRE_S3_REGION: s3.options.region,
    CHATWIRE_S3_FORCE_PATH_STYLE: "true",
    CHATWIRE_S3_PREFIX: "from-env/",
    AWS_ACCESS_KEY_ID: s3.options.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.options.credentials.secretAccessKey,
  };
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  t.after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  const byEnv = await startGateway(t, { hooks: createApp().seal(), data: { sqlite: join(dir, "env.db") } });
  const envClient = await connectClient(byEnv);
  t.after(() => envClient.close());
  const viaEnv = await upload(
    httpBase(byEnv),
    envClient.welcome?.uploadToken,
    "b.txt",
    "text/plain",
    Buffer.from("env"),
  );
  assert.equal(viaEnv.status, 201);
  const again = await bucketClient(s3).send(
    new ListObjectsV2Command({ Bucket: s3.options.bucket, Prefix: "from-env/" }),
  );
  assert.deepEqual(
    again.Contents?.map((object) => object.Key),
    [`from-env/${viaEnv.body.id}`],
  );
  const ignoring = await startGateway(t, {
    hooks: createApp().seal(),
    data: { sqlite: join(dir, "db.db") },
    fileStorage: "database",
  });
  const dbClient = await connectClient(ignoring);
  t.after(() => dbClient.close());
  const inDb = await upload(
    httpBase(ignoring),
    dbClient.welcome?.uploadToken,
    "c.txt",
    "text/plain",
    Buffer.from("db"),
  );
  assert.equal(inDb.status, 201);
  const after = await bucketClient(s3).send(new ListObjectsV2Command({ Bucket: s3.options.bucket }));
  assert.equal(after.Contents?.length, 2, 'fileStorage: "database" keeps the bytes in the database');
});
