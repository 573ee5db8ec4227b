// File shelves, the layers under the shelf index: a content-addressed blob store and the
// /hearth/blob/2.0.0 transfer service that moves verified chunks between members.
export { BlobStore, ChunkMismatchError, PLAIN_BLOBS } from './blob-store.ts'
export type {
  BlobFileKind,
  BlobSealing,
  BlobStoreOptions,
  ExportOptions,
  GcResult,
  ImportProgress,
} from './blob-store.ts'
export {
  CHUNK_SIZE,
  MAX_BLOB_BYTES,
  MAX_CHUNKS,
  ManifestError,
  blobIdOf,
  chunkLength,
  decodeManifest,
  encodeManifest,
  isHexHash,
  verifiedManifest,
} from './manifest.ts'
export type { Manifest } from './manifest.ts'
export { displayName, safeFileName } from '../../api/names.ts'
export { blobTransfer, defaultTransferLimits } from './transfer.ts'
export type {
  BlobHost,
  BlobTransfer,
  BlobTransferComponents,
  BlobTransferInit,
  FetchManifestOptions,
  ServedChunk,
  ServeStore,
  TransferLimits,
  TransferStore,
} from './transfer.ts'
export type { FetchBlobOptions, FetchProgress, FetchResult, FetchStore } from './fetcher.ts'
export { BLOB_PROTOCOL } from './wire.ts'
