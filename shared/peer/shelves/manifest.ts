// A blob's manifest: what the file is (size, whole-file SHA-256) and how it is cut into chunks
// (one SHA-256 per chunk). The blob id is the SHA-256 of the manifest's one canonical binary
// encoding, so a manifest received from anyone is checked against the id before any of its chunk
// hashes is trusted, and every chunk is checked against its hash before it is kept.
//
// Encoding, version 1 (all integers big-endian):
//   u8 version = 1 | u64 size | u32 chunkSize | 32 bytes sha256 | u32 count | count × 32 bytes
import { createHash } from 'node:crypto'

/** Every chunk but the last is exactly this long. Far under FAT32's 4 GiB file limit. */
export const CHUNK_SIZE = 1024 * 1024
/** 256 GiB per file: keeps a manifest (and its one wire frame) under 8.1 MiB. */
export const MAX_CHUNKS = 256 * 1024
export const MAX_BLOB_BYTES = MAX_CHUNKS * CHUNK_SIZE
const VERSION = 1
const HEADER_BYTES = 1 + 8 + 4 + 32 + 4
export const MANIFEST_HEADER_BYTES = HEADER_BYTES
const HASH_BYTES = 32
export const MAX_MANIFEST_BYTES = HEADER_BYTES + MAX_CHUNKS * HASH_BYTES
/** The manifest of a blob of at most one chunk (what the batched `blobs` request carries). */
export const MAX_SMALL_MANIFEST_BYTES = HEADER_BYTES + HASH_BYTES

const HEX_HASH = /^[0-9a-f]{64}$/

export interface Manifest {
  /** File size in bytes. */
  readonly size: number
  readonly chunkSize: number
  /** Lowercase hex SHA-256 of each chunk, in file order. */
  readonly chunks: readonly string[]
  /** Lowercase hex SHA-256 of the whole file. */
  readonly sha256: string
}

/** The manifest is not one this version can hold or trust. */
export class ManifestError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ManifestError'
  }
}

/** True for a lowercase hex SHA-256: the only shape of blob id or chunk name the store accepts. */
export function isHexHash(value: unknown): value is string {
  return typeof value === 'string' && HEX_HASH.test(value)
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export function chunkCountFor(size: number): number {
  return Math.ceil(size / CHUNK_SIZE)
}

/** Length of chunk `index` (the last one may be short). */
export function chunkLength(manifest: Manifest, index: number): number {
  if (!Number.isInteger(index) || index < 0 || index >= manifest.chunks.length) {
    throw new RangeError(`no chunk ${index} in a manifest of ${manifest.chunks.length}`)
  }
  return Math.min(manifest.chunkSize, manifest.size - index * manifest.chunkSize)
}

/** Throws ManifestError unless the manifest is internally consistent and within our limits. */
export function checkManifest(manifest: Manifest): void {
  const { size, chunkSize, chunks, sha256 } = manifest
  if (!Number.isSafeInteger(size) || size < 0 || size > MAX_BLOB_BYTES) {
    throw new ManifestError(`size ${size} is out of range`)
  }
  if (chunkSize !== CHUNK_SIZE) throw new ManifestError(`chunk size ${chunkSize} is not supported`)
  if (chunks.length !== chunkCountFor(size)) {
    throw new ManifestError(`${chunks.length} chunk hashes for ${size} bytes`)
  }
  if (!isHexHash(sha256)) throw new ManifestError('file hash is not a hex SHA-256')
  for (const hash of chunks) {
    if (!isHexHash(hash)) throw new ManifestError('a chunk hash is not a hex SHA-256')
  }
}

export function encodeManifest(manifest: Manifest): Uint8Array {
  checkManifest(manifest)
  const out = new Uint8Array(HEADER_BYTES + manifest.chunks.length * HASH_BYTES)
  const view = new DataView(out.buffer)
  view.setUint8(0, VERSION)
  view.setBigUint64(1, BigInt(manifest.size))
  view.setUint32(9, manifest.chunkSize)
  out.set(Buffer.from(manifest.sha256, 'hex'), 13)
  view.setUint32(45, manifest.chunks.length)
  manifest.chunks.forEach((hash, i) => out.set(Buffer.from(hash, 'hex'), HEADER_BYTES + i * 32))
  return out
}

/** The inverse of encodeManifest; rejects anything that is not exactly a canonical encoding. */
export function decodeManifest(bytes: Uint8Array): Manifest {
  if (bytes.length < HEADER_BYTES || bytes.length > MAX_MANIFEST_BYTES) {
    throw new ManifestError(`a manifest cannot be ${bytes.length} bytes long`)
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint8(0) !== VERSION) throw new ManifestError('unknown manifest version')
  const bigSize = view.getBigUint64(1)
  if (bigSize > BigInt(MAX_BLOB_BYTES)) throw new ManifestError('size is out of range')
  const count = view.getUint32(45)
  if (bytes.length !== HEADER_BYTES + count * HASH_BYTES) {
    throw new ManifestError(`${bytes.length} bytes do not hold ${count} chunk hashes`)
  }
  const hex = (offset: number): string =>
    Buffer.from(bytes.buffer, bytes.byteOffset + offset, HASH_BYTES).toString('hex')
  const manifest: Manifest = {
    size: Number(bigSize),
    chunkSize: view.getUint32(9),
    sha256: hex(13),
    chunks: Array.from({ length: count }, (_, i) => hex(HEADER_BYTES + i * HASH_BYTES)),
  }
  checkManifest(manifest)
  return manifest
}

/** The blob id: hex SHA-256 of the canonical encoding. */
export function blobIdOf(manifest: Manifest): string {
  return sha256Hex(encodeManifest(manifest))
}

/** Decodes a manifest received for `blobId`, refusing it unless it hashes to that id. */
export function verifiedManifest(blobId: string, bytes: Uint8Array): Manifest {
  if (sha256Hex(bytes) !== blobId) throw new ManifestError('manifest does not match its blob id')
  return decodeManifest(bytes)
}

/** A whole blob of at most one chunk failed its check: its bytes must not be kept. */
export class SmallBlobError extends Error {
  /** True when the blob matches its id but not the shelf entry's size and hash (its author's doing). */
  readonly entryMismatch: boolean
  constructor(message: string, entryMismatch = false) {
    super(message)
    this.name = 'SmallBlobError'
    this.entryMismatch = entryMismatch
  }
}

/**
 * Checks a whole small blob received for `blobId` before a byte of it is kept: the manifest
 * hashes to the id, holds at most one chunk, and (when given) has the size and file hash the
 * shelf entry signed; the bytes are exactly that size and hash to the chunk (which, for one
 * chunk, is the whole file's hash too). Returns the manifest.
 */
export function verifiedSmallBlob(
  blobId: string,
  manifestBytes: Uint8Array,
  bytes: Uint8Array,
  expected?: { size: number; sha256: string },
): Manifest {
  let manifest: Manifest
  try {
    manifest = verifiedManifest(blobId, manifestBytes)
  } catch (err) {
    throw new SmallBlobError(err instanceof Error ? err.message : String(err))
  }
  if (manifest.chunks.length > 1) throw new SmallBlobError('the blob is larger than one chunk')
  if (
    expected !== undefined &&
    (manifest.size !== expected.size || manifest.sha256 !== expected.sha256)
  ) {
    throw new SmallBlobError('the stored file does not match its shelf entry', true)
  }
  if (bytes.length !== manifest.size) {
    throw new SmallBlobError(`${bytes.length} bytes for a blob of ${manifest.size}`)
  }
  const hash = sha256Hex(bytes)
  if (hash !== manifest.sha256 || (manifest.chunks.length === 1 && hash !== manifest.chunks[0])) {
    throw new SmallBlobError('the bytes do not match their hash')
  }
  return manifest
}
