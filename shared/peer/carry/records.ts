// The records backups and bundles share: their type numbers and size caps, and the shelf files
// (every manifest first, then each distinct chunk once, read through the blob store, which checks
// every chunk against its hash).
import { HearthError } from '../../api/index.ts'
import type { BlobStore } from '../shelves/blob-store.ts'
import { CHUNK_SIZE, MAX_MANIFEST_BYTES, encodeManifest } from '../shelves/manifest.ts'
import type { Manifest } from '../shelves/manifest.ts'
import type { SealedFileWriter } from './sealed-file.ts'

/** Record types; each file format uses the ones its PROTOCOL.md table lists. */
export const REC = {
  META: 1,
  DEVICE_KEY: 2,
  GROUP: 3,
  MANIFEST: 4,
  CHUNK: 5,
  END: 6,
  UPDATE: 7,
  RECEIPTS: 8,
} as const
const MAX_JSON = 4 * 1024 * 1024

/** The cap of each record type a format reads (its own types in `own`); 0 refuses a type. */
export function recordCaps(own: Readonly<Record<number, number>>): (type: number) => number {
  const caps: Record<number, number> = {
    [REC.META]: MAX_JSON,
    [REC.END]: MAX_JSON,
    [REC.MANIFEST]: MAX_MANIFEST_BYTES,
    [REC.CHUNK]: CHUNK_SIZE,
    ...own,
  }
  return (type) => caps[type] ?? 0
}

export interface HeldBlob {
  manifest: Manifest
  /** Lets gc have the blob again. */
  release(): void
}

/** The blobs among `blobIds` this device holds whole, each held safe from gc until released. */
export async function holdComplete(
  blobs: BlobStore,
  blobIds: Iterable<string>,
): Promise<HeldBlob[]> {
  const held: HeldBlob[] = []
  try {
    for (const blobId of new Set(blobIds)) {
      const manifest = await blobs.getManifest(blobId)
      if (manifest === null || !(await blobs.isComplete(manifest))) continue
      held.push({ manifest, release: blobs.hold(manifest) })
    }
  } catch (err) {
    for (const blob of held) blob.release()
    throw err
  }
  return held
}

/** Writes the manifests, then the chunks; returns how many chunks were written. */
export async function writeBlobs(
  writer: SealedFileWriter,
  blobs: BlobStore,
  held: readonly HeldBlob[],
  types: { MANIFEST: number; CHUNK: number },
): Promise<number> {
  for (const { manifest } of held) await writer.record(types.MANIFEST, encodeManifest(manifest))
  const written = new Set<string>()
  for (const { manifest } of held) {
    for (const hash of manifest.chunks) {
      if (written.has(hash)) continue
      const bytes = await blobs.readChunk(hash)
      if (bytes === null) {
        throw new HearthError(
          'STORAGE_FAILED',
          'A shelf file went missing while it was being saved.',
        )
      }
      await writer.record(types.CHUNK, bytes)
      written.add(hash)
    }
  }
  return written.size
}
