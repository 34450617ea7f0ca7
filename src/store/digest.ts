/**
 * Content digests as the store writes them everywhere in its API and on disk:
 * `sha256:<64 lowercase hex>`. The full hash is kept (style.md item 5: never truncate keys).
 */
import { createHash } from "node:crypto";

/** A sha256 content digest, `sha256:<64 lowercase hex>`. */
export type Digest = `sha256:${string}`;

/** The digest and byte length of some content. */
export interface ContentHash {
  digest: Digest;
  size: number;
}

const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
const HEX_PATTERN = /^[0-9a-f]{64}$/;

/** True when `value` is a well-formed digest string. */
export function isDigest(value: unknown): value is Digest {
  return typeof value === "string" && DIGEST_PATTERN.test(value);
}

/** True when `value` is 64 lowercase hex characters (an action key, a bare sha256). */
export function isSha256Hex(value: unknown): value is string {
  return typeof value === "string" && HEX_PATTERN.test(value);
}

/** The 64 hex characters of a digest; throws on a malformed one (a programming error). */
export function digestHex(digest: Digest): string {
  if (!isDigest(digest)) throw new Error(`not a sha256 digest: ${JSON.stringify(digest)}`);
  return digest.slice("sha256:".length);
}

/** Finishes a running sha256 hash as a Digest. */
export function toDigest(hash: ReturnType<typeof createHash>): Digest {
  return `sha256:${hash.digest("hex")}`;
}

/** Digest and size of in-memory content (strings are hashed as UTF-8). */
export function hashBytes(data: Uint8Array | string): ContentHash {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return { digest: toDigest(createHash("sha256").update(bytes)), size: bytes.byteLength };
}
