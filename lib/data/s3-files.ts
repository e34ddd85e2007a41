// File bytes in S3-compatible object storage (AWS S3, MinIO, R2, …), through the AWS SDK v3: an optional peer
// dependency, loaded only when this store is configured. One object per file; uploads stream as multipart parts of
// 5 MiB (S3's smallest), one part in memory at a time; reads ask for their Range. The rows stay in the SQL layer.
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import { ChatwireError } from "../errors.ts";
import { type FileBytes, rechunk } from "./files.ts";

/** S3's smallest multipart part (but the last): an upload holds one part in memory at a time. */
export const S3_PART_BYTES = 5 * 1024 * 1024;

/** Where and how to reach the bucket. */
export interface S3FileOptions {
  readonly bucket: string;
  /** Prepended to each file's id to make its key. Default "chatwire/files/". */
  readonly prefix?: string | undefined;
  /** Default: the SDK's (AWS_REGION), else "us-east-1". */
  readonly region?: string | undefined;
  /** For a server that is not AWS: MinIO, R2, a local test server. */
  readonly endpoint?: string | undefined;
  /** Address the bucket in the path (`endpoint/bucket/key`), as most non-AWS servers want. Default false. */
  readonly forcePathStyle?: boolean | undefined;
  /** Default: the SDK's chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a profile, an instance role). */
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string } | undefined;
}

/** Where files' bytes go: the data layer's database, or an S3 bucket (the gateway's `fileStorage` option). */
export type FileStorage = "database" | { readonly s3: S3FileOptions };

/** The S3 options from the environment (`chatwire run`): CHATWIRE_S3_BUCKET turns it on. */
export function s3OptionsFromEnv(env: Readonly<Record<string, string | undefined>>): S3FileOptions | undefined {
  const bucket = env.CHATWIRE_S3_BUCKET;
  if (bucket === undefined || bucket === "") return undefined;
  return {
    bucket,
    prefix: env.CHATWIRE_S3_PREFIX,
    region: env.CHATWIRE_S3_REGION,
    endpoint: env.CHATWIRE_S3_ENDPOINT,
    forcePathStyle: env.CHATWIRE_S3_FORCE_PATH_STYLE === "true" || env.CHATWIRE_S3_FORCE_PATH_STYLE === "1",
  };
}

type Sdk = typeof import("@aws-sdk/client-s3");

async function loadSdk(): Promise<Sdk> {
  try {
    return await import("@aws-sdk/client-s3");
  } catch (error) {
    throw new ChatwireError(
      "INVALID_OPTION",
      `the S3 file store needs @aws-sdk/client-s3 (npm install @aws-sdk/client-s3): ${(error as Error).message}`,
    );
  }
}

/**
 * File bytes in an S3 bucket, for a SQL layer (`createSqliteLayer({ path, fileBytes })`) or the gateway's
 * `fileStorage: { s3 }` option.
 * @example const fileBytes = await createS3FileBytes({ bucket: "chat-files", region: "eu-west-1" });
 */
export async function createS3FileBytes(options: S3FileOptions): Promise<FileBytes> {
  const sdk = await loadSdk();
  const config: S3ClientConfig = {
    region: options.region ?? process.env.AWS_REGION ?? "us-east-1",
    forcePathStyle: options.forcePathStyle ?? false,
    // Checksums only where S3 requires them: the SDK's newer default (a CRC trailer on every upload) is refused
    // by many S3-compatible servers.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: { ...options.credentials } }),
  };
  return s3FileBytes(sdk, new sdk.S3Client(config), options.bucket, options.prefix ?? "chatwire/files/");
}

function s3FileBytes(sdk: Sdk, client: S3Client, bucket: string, prefix: string): FileBytes {
  const key = (id: string) => `${prefix}${id}`;
  return {
    kind: "s3",
    async write(id, bytes, stored) {
      // Parts are sent one at a time from one reused buffer: the send ends before the buffer is refilled.
      const parts = rechunk(bytes, S3_PART_BYTES, true)[Symbol.asyncIterator]();
      let part = await parts.next();
      // Copied: the reused buffer is refilled by the next read.
      const first = part.done ? Buffer.alloc(0) : Buffer.from(part.value);
      if (!part.done) part = await parts.next();
      if (part.done) {
        await client.send(new sdk.PutObjectCommand({ Bucket: bucket, Key: key(id), Body: first }));
        await stored(first.length);
        return;
      }
      const { UploadId } = await client.send(new sdk.CreateMultipartUploadCommand({ Bucket: bucket, Key: key(id) }));
      const done: { ETag: string | undefined; PartNumber: number }[] = [];
      const send = async (body: Buffer) => {
        const PartNumber = done.length + 1;
        const input = { Bucket: bucket, Key: key(id), UploadId, PartNumber, Body: body };
        const { ETag } = await client.send(new sdk.UploadPartCommand(input));
        done.push({ ETag, PartNumber });
        await stored(body.length);
      };
      try {
        await send(first);
        for (; !part.done; part = await parts.next()) await send(part.value);
        await client.send(
          new sdk.CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key(id),
            UploadId,
            MultipartUpload: { Parts: done },
          }),
        );
      } catch (error) {
        await client
          .send(new sdk.AbortMultipartUploadCommand({ Bucket: bucket, Key: key(id), UploadId }))
          .catch(() => {});
        throw error;
      }
    },
    async *read(id, size, range) {
      if (size === 0) return;
      const Range = range === undefined ? undefined : `bytes=${range.start}-${range.end}`;
      const { Body } = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key(id), Range }));
      if (Body === undefined) return;
      yield* Body as AsyncIterable<Uint8Array>;
    },
    async remove(ids) {
      for (const id of ids) await client.send(new sdk.DeleteObjectCommand({ Bucket: bucket, Key: key(id) }));
    },
  };
}
