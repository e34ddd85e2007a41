// Anonymous threads are opened with a secret issued once, at creation; only its SHA-256 hash is stored, and hashes
// are compared in constant time so response timing says nothing about how close a guess was.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * A new random thread secret (256 bits, base64url). Give it to the client once; store only its hash.
 * @example const secret = createThreadSecret(); await layer.createThread({ id, secretHash: hashThreadSecret(secret) });
 */
export const createThreadSecret = (): string => randomBytes(32).toString("base64url");

/**
 * The stored form of a thread secret: hex SHA-256.
 * @example hashThreadSecret("s3cret").length === 64
 */
export const hashThreadSecret = (secret: string): string => createHash("sha256").update(secret).digest("hex");

/**
 * Whether `secret` matches the stored hash, in constant time. False when either is missing.
 * @example secretMatches(thread.secretHash, request.headers["x-chatwire-thread-secret"])
 */
export function secretMatches(storedHash: string | undefined, secret: string | undefined): boolean {
  if (storedHash === undefined || secret === undefined) return false;
  const expected = Buffer.from(storedHash, "utf8");
  const actual = Buffer.from(hashThreadSecret(secret), "utf8");
  // Lengths differ only if the stored hash is malformed; still compare, so the time taken is the same.
  const same = timingSafeEqual(expected.length === actual.length ? expected : actual, actual);
  return same && expected.length === actual.length;
}
