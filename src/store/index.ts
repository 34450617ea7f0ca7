/**
 * The store's public surface: the content-addressed store and action cache, the stat cache,
 * gc, and size helpers. Nothing here knows about ONNX or stages: it stores bytes and records.
 */
export { Store } from "./store.js";
export type { ActionRecord, OutputRef } from "./action-record.js";
export { hashBytes, isDigest, type ContentHash, type Digest } from "./digest.js";
export { StatCache, type StatCacheCounters } from "./stat-cache.js";
export { hashFile, type HashedFile } from "./hash-file.js";
export type { TreeEntry } from "./tree.js";
export { gc, GC_GRACE_MS, TEMP_STALE_MS, type GcOptions, type GcResult } from "./gc.js";
export { removeStore, storeSize, type StoreUsage } from "./usage.js";
export { formatSize, parseSize } from "./size.js";
