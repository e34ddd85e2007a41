import { once } from "node:events";
import { type IncomingMessage, request } from "node:http";
// Helpers of the file tests: real multipart uploads with fetch and FormData, against a listening server.
import type { FastifyInstance } from "fastify";

/** The http:// base of a listening Fastify server. */
export function httpBase(server: FastifyInstance): string {
  const address = server.server.address();
  if (address === null || typeof address === "string") throw new Error("server is not listening on TCP");
  return `http://127.0.0.1:${address.port}`;
}

/** What `POST /files` answers. */
export interface UploadAnswer {
  readonly status: number;
  readonly body: {
    id?: string;
    name?: string;
    mime?: string;
    size?: number;
    url?: string;
    code?: string;
    message?: string;
  };
}

/** Uploads `bytes` as one multipart file part, with the ticket when given. */
export async function upload(
  base: string,
  ticket: string | undefined,
  name: string,
  type: string,
  bytes: Uint8Array,
): Promise<UploadAnswer> {
  const form = new FormData();
  form.append("file", new Blob([bytes], { type }), name);
  const response = await fetch(`${base}/files`, {
    method: "POST",
    body: form,
    headers: ticket === undefined ? {} : { "x-chatwire-upload": ticket },
  });
  return { status: response.status, body: (await response.json()) as UploadAnswer["body"] };
}

/** An upload whose body is sent piece by piece: `send` writes bytes of the file, `finish` the rest and the answer. */
export interface StreamedUpload {
  send(bytes: Uint8Array): Promise<void>;
  finish(bytes: Uint8Array): Promise<UploadAnswer>;
  /** Drops the request (a test's cleanup: a server does not close while an upload it reads is open). */
  abort(): void;
}

/** Starts a multipart upload of a `size`-byte file, sent as the caller writes it. */
export function streamedUpload(base: string, ticket: string, name: string, size: number): StreamedUpload {
  const boundary = "streamed";
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const req = request(`${base}/files`, {
    method: "POST",
    headers: {
      "content-type": `multipart/form-data; boundary=${boundary}`,
      "x-chatwire-upload": ticket,
      "content-length": head.length + size + tail.length,
    },
  });
  const answered = once(req, "response", { signal: AbortSignal.timeout(30_000) }) as Promise<[IncomingMessage]>;
  answered.catch(() => undefined);
  req.write(head);
  const send = async (bytes: Uint8Array) => {
    if (!req.write(bytes)) await once(req, "drain", { signal: AbortSignal.timeout(10_000) });
  };
  return {
    send,
    abort: () => req.destroy(),
    async finish(bytes) {
      req.end(Buffer.concat([bytes, tail]));
      const [response] = await answered;
      let body = "";
      for await (const part of response) body += String(part);
      return { status: response.statusCode ?? 0, body: JSON.parse(body) as UploadAnswer["body"] };
    },
  };
}

/** The 8-byte PNG signature and an IHDR chunk: enough for file-type to call it image/png. */
export const PNG = Buffer.from(
  "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5f1d0a70000000049454e44ae426082",
  "hex",
);
