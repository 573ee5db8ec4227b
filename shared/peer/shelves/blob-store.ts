// Content-addressed file storage under <dataDir>/blobs/. Everything is named by SHA-256 only,
// so no name a member chose ever reaches the file system here:
//   blobs/chunks/<first 2 hex>/<chunk sha256>      one file per distinct chunk (≤ 1 MiB)
//   blobs/manifests/<first 2 hex>/<blob id>        the canonical manifest encoding
//   blobs/tmp/                                     temp files; anything here at open is debris
// In an encrypted data folder a BlobSealing (shared/peer/vault) seals every file and replaces
// each hash in a file name by a keyed hash of it, so neither bytes nor names reveal content.
// Names are lowercase hex (legal on Windows and FAT32), there are no symlinks, and a chunk is
// shared by every blob that contains it. Memory stays flat for any file size: at most one chunk
// per call is held.
import { createHash } from 'node:crypto'
import { open, readFile, readdir, rename, rm, stat } from 'node:fs/promises'
import path from 'node:path'
import { HearthError } from '../../api/index.ts'
import { writeFailure } from '../storage/failure.ts'
import {
  FolderSyncs,
  ensureDir,
  fsyncDir,
  hasCode,
  lstatOrNull,
  placeFile,
  readFull,
  removeQuietly,
  tempName,
  writeFileDurably,
} from './durable.ts'
import {
  CHUNK_SIZE,
  MAX_BLOB_BYTES,
  blobIdOf,
  checkManifest,
  chunkCountFor,
  chunkLength,
  encodeManifest,
  isHexHash,
  sha256Hex,
  verifiedManifest,
  verifiedSmallBlob,
} from './manifest.ts'
import type { Manifest } from './manifest.ts'

/** A chunk's bytes do not hash to the name they were offered under. */
export class ChunkMismatchError extends HearthError {
  constructor(hash: string) {
    super('BAD_INPUT', `chunk bytes do not match hash ${hash.slice(0, 16)}…`)
    this.name = 'ChunkMismatchError'
  }
}

export interface ImportProgress {
  bytes: number
  total: number
}

export interface ExportOptions {
  /** Replace an existing file at the destination. Default false: refuse. */
  overwrite?: boolean
}

export interface GcResult {
  removedManifests: number
  removedChunks: number
  removedBytes: number
}

const NOT_FOUND = new Set(['ENOENT', 'ENOTDIR'])
const MANIFEST_CACHE_SIZE = 32
/**
 * Small blobs written by one group commit, at most. Folders are cut by hash prefix (256 of each
 * kind): 256 blobs touch some 320 folders, 1,024 some 500, so bigger groups fsync fewer per blob.
 */
const MAX_COMMIT_BLOBS = 1024
/** Files being written at once by a group commit (each holds an open file). */
const COMMIT_WRITERS = 16
/**
 * Group commits running at once: while one waits for its folders' fsyncs, the next one's files
 * are being written and fsynced.
 */
const MAX_COMMITS = 2

/** A whole blob of at most one chunk: its manifest and its bytes. */
export interface SmallBlob {
  manifest: Manifest
  bytes: Uint8Array
}

interface PendingBlob extends SmallBlob {
  blobId: string
  resolve(): void
  reject(err: unknown): void
}

export type BlobFileKind = 'chunk' | 'manifest'

/** How chunk and manifest files are kept on disk: as they are, or sealed. */
export interface BlobSealing {
  /** The file name for a chunk hash or blob id (64 lowercase hex characters). */
  fileName(kind: BlobFileKind, hash: string): string
  /** What is written to the file `name`. */
  seal(kind: BlobFileKind, name: string, bytes: Uint8Array): Uint8Array
  /** What was sealed into the file `name`, or undefined if the file was changed or moved. */
  open(kind: BlobFileKind, name: string, stored: Uint8Array): Uint8Array | undefined
}

/** Files named by their hash, holding their bytes as they are. */
export const PLAIN_BLOBS: BlobSealing = {
  fileName: (_kind, hash) => hash,
  seal: (_kind, _name, bytes) => bytes,
  open: (_kind, _name, stored) => stored,
}

export interface PutChunkOptions {
  /** The store is done reading the bytes (see putChunk). */
  onWritten?(): void
}

export interface BlobStoreOptions {
  /** Default: PLAIN_BLOBS. */
  sealing?: BlobSealing
}

export class BlobStore {
  /** <dataDir>/blobs */
  readonly root: string
  readonly #chunksDir: string
  readonly #manifestsDir: string
  readonly #tmpDir: string
  /** Decoded manifests by blob id, least recently used first. */
  readonly #manifests = new Map<string, Manifest>()
  /** Blob ids and chunk hashes that gc must not remove (fetches and imports in progress). */
  readonly #heldBlobs = new Map<string, number>()
  readonly #heldChunks = new Map<string, number>()
  readonly #sealing: BlobSealing
  /** Chunk writes fsync their folders together (durable.ts); see docs/ARCHITECTURE.md. */
  readonly #folders = new FolderSyncs()
  /** Small blobs verified and waiting for the next group commit. */
  #pending: PendingBlob[] = []
  #committing = 0

  private constructor(root: string, sealing: BlobSealing) {
    this.root = root
    this.#sealing = sealing
    this.#chunksDir = path.join(root, 'chunks')
    this.#manifestsDir = path.join(root, 'manifests')
    this.#tmpDir = path.join(root, 'tmp')
  }

  /** Opens (creating if needed) the store under `dataDir` and removes debris left by a crash. */
  static async open(dataDir: string, options: BlobStoreOptions = {}): Promise<BlobStore> {
    const store = new BlobStore(path.join(dataDir, 'blobs'), options.sealing ?? PLAIN_BLOBS)
    try {
      await ensureDir(store.#chunksDir)
      await ensureDir(store.#manifestsDir)
      await ensureDir(store.#tmpDir)
      for (const name of await readdir(store.#tmpDir)) {
        await rm(path.join(store.#tmpDir, name), { recursive: true, force: true })
      }
    } catch (err) {
      throw writeFailure('opening the blob store', err)
    }
    return store
  }

  // ── chunks ────────────────────────────────────────────────────────────────────────────

  /**
   * Stores a chunk after checking that `bytes` hash to `hash`. Storing it twice is harmless.
   * `onWritten` is called once the store no longer reads `bytes` (they are in the file, not yet
   * durable), so a caller can reuse their buffer while the fsyncs run; it is not called when the
   * chunk is refused or the write fails before that point.
   */
  async putChunk(hash: string, bytes: Uint8Array, options: PutChunkOptions = {}): Promise<void> {
    checkHash(hash)
    if (bytes.length > CHUNK_SIZE) throw new ChunkMismatchError(hash)
    if (sha256Hex(bytes) !== hash) throw new ChunkMismatchError(hash)
    await this.#writeChunk(hash, bytes, options.onWritten)
  }

  async hasChunk(hash: string): Promise<boolean> {
    checkHash(hash)
    return exists(this.#chunkPath(hash))
  }

  /**
   * The chunk's bytes, or null if we do not hold it. Bytes are checked against the hash on every
   * read: a chunk damaged on disk is removed (so it is fetched again) and reported, never served.
   */
  async readChunk(hash: string): Promise<Uint8Array | null> {
    checkHash(hash)
    const file = this.#chunkPath(hash)
    let bytes: Uint8Array | undefined
    try {
      bytes = await readFile(file)
    } catch (err) {
      if (hasCode(err, NOT_FOUND)) return null
      throw storageFailed('reading a chunk', err)
    }
    bytes = this.#sealing.open('chunk', path.basename(file), bytes)
    if (bytes === undefined || bytes.length > CHUNK_SIZE || sha256Hex(bytes) !== hash) {
      await rm(file, { force: true })
      throw new HearthError('STORAGE_FAILED', `chunk ${hash} was damaged on disk and was removed`)
    }
    return bytes
  }

  /** Indexes of the manifest's chunks we do not hold, in file order. */
  async missingChunks(manifest: Manifest): Promise<number[]> {
    checkManifest(manifest)
    const present = new Map<string, boolean>()
    const missing: number[] = []
    for (const [index, hash] of manifest.chunks.entries()) {
      let has = present.get(hash)
      if (has === undefined) {
        has = await exists(this.#chunkPath(hash))
        present.set(hash, has)
      }
      if (!has) missing.push(index)
    }
    return missing
  }

  async isComplete(manifest: Manifest): Promise<boolean> {
    return (await this.missingChunks(manifest)).length === 0
  }

  // ── small blobs ───────────────────────────────────────────────────────────────────────

  /**
   * Stores whole blobs of at most one chunk (manifest and chunk), each checked first: the
   * manifest against its blob id, the bytes against the manifest. Resolves once every one of
   * them is durable. Blobs are written by group commit: every blob waiting when a commit starts
   * is written to a temp file, all of them are fsynced (at once, so the file system can share
   * its journal commits between them), renamed into place, and then every folder they were
   * renamed into is fsynced once. A blob counts as stored only after that last step, exactly as
   * with one durable write per file; what a crash in between leaves is whole files or nothing.
   */
  async putSmallBlobs(blobs: readonly SmallBlob[]): Promise<void> {
    const waits: Promise<void>[] = []
    for (const { manifest, bytes } of blobs) {
      const encoded = encodeManifest(manifest)
      const blobId = sha256Hex(encoded)
      try {
        verifiedSmallBlob(blobId, encoded, bytes)
      } catch {
        throw new ChunkMismatchError(manifest.chunks[0] ?? manifest.sha256)
      }
      waits.push(
        new Promise<void>((resolve, reject) => {
          this.#pending.push({ blobId, manifest, bytes, resolve, reject })
        }),
      )
    }
    this.#commitPending()
    await Promise.all(waits)
  }

  #commitPending(): void {
    if (this.#committing >= MAX_COMMITS || this.#pending.length === 0) return
    this.#committing++
    const group = this.#pending.splice(0, MAX_COMMIT_BLOBS)
    void this.#commit(group)
      .then(
        () => {
          for (const blob of group) {
            this.#remember(blob.blobId, blob.manifest)
            blob.resolve()
          }
        },
        (err: unknown) => {
          const failure = writeFailure('saving small files', err)
          for (const blob of group) blob.reject(failure)
        },
      )
      .finally(() => {
        this.#committing--
        this.#commitPending()
      })
  }

  async #commit(group: readonly PendingBlob[]): Promise<void> {
    // What to write: each chunk and manifest file once. One already on disk is not looked for:
    // a new copy holds the same bytes (it is named by their hash), and the rename that puts it
    // in place is atomic, so a reader sees one whole file or the other.
    const files = new Map<string, { tmp: string; data: Uint8Array }>()
    const add = (kind: BlobFileKind, file: string, bytes: Uint8Array): void => {
      if (files.has(file)) return
      const data = this.#sealing.seal(kind, path.basename(file), bytes)
      files.set(file, { tmp: path.join(this.#tmpDir, tempName()), data })
    }
    for (const { blobId, manifest, bytes } of group) {
      const hash = manifest.chunks[0]
      if (hash !== undefined) add('chunk', this.#chunkPath(hash), bytes)
      add('manifest', this.#manifestPath(blobId), encodeManifest(manifest))
    }
    const entries = [...files]
    let renamed = 0
    try {
      await eachAtOnce(entries, COMMIT_WRITERS, async ([, { tmp, data }]) => {
        const handle = await open(tmp, 'wx', 0o600)
        try {
          await handle.writeFile(data)
          await handle.sync()
        } finally {
          await handle.close()
        }
      })
      const dirs = new Set(entries.map(([file]) => path.dirname(file)))
      for (const dir of dirs) await this.#folders.ensure(dir)
      for (const [file, { tmp }] of entries) {
        try {
          await rename(tmp, file)
        } catch (err) {
          // Windows refuses to replace a file someone has open (we may be serving that chunk):
          // the one there holds the same bytes, so it will do.
          if (!(await exists(file))) throw err
          await rm(tmp, { force: true })
        }
        renamed++
      }
      // With the folder fsyncs of chunk writes and of the other commit running, once each.
      await Promise.all([...dirs].map((dir) => this.#folders.sync(dir)))
    } catch (err) {
      for (const [, { tmp }] of entries.slice(renamed)) await removeQuietly(tmp, err)
      throw err
    }
  }

  // ── manifests ─────────────────────────────────────────────────────────────────────────

  /** Keeps a manifest (so we can serve and resume its blob); returns its blob id. */
  async putManifest(manifest: Manifest): Promise<string> {
    const encoded = encodeManifest(manifest)
    const blobId = sha256Hex(encoded)
    const file = this.#manifestPath(blobId)
    if (!(await exists(file))) {
      try {
        const stored = this.#sealing.seal('manifest', path.basename(file), encoded)
        await writeFileDurably(this.#tmpDir, file, stored)
      } catch (err) {
        throw writeFailure('saving a manifest', err)
      }
    }
    this.#remember(blobId, manifest)
    return blobId
  }

  /** The manifest of a blob we know of, or null. */
  async getManifest(blobId: string): Promise<Manifest | null> {
    if (!isHexHash(blobId)) return null
    const cached = this.#manifests.get(blobId)
    if (cached !== undefined) {
      this.#remember(blobId, cached)
      return cached
    }
    const file = this.#manifestPath(blobId)
    let bytes: Uint8Array
    try {
      bytes = await readFile(file)
    } catch (err) {
      if (hasCode(err, NOT_FOUND)) return null
      throw storageFailed('reading a manifest', err)
    }
    let manifest: Manifest
    try {
      const opened = this.#sealing.open('manifest', path.basename(file), bytes)
      if (opened === undefined) throw new Error('it was changed or moved')
      manifest = verifiedManifest(blobId, opened)
    } catch (err) {
      await rm(this.#manifestPath(blobId), { force: true })
      throw new HearthError(
        'STORAGE_FAILED',
        `manifest ${blobId} was damaged on disk and was removed (${String(err)})`,
      )
    }
    this.#remember(blobId, manifest)
    return manifest
  }

  // ── import and export ─────────────────────────────────────────────────────────────────

  /**
   * Adds a file: reads it once, one chunk at a time, storing each chunk we do not hold yet.
   * Refuses a file that changed while it was read (its size or modification time moved).
   */
  async importFile(
    file: string,
    onProgress?: (progress: ImportProgress) => void,
  ): Promise<Manifest> {
    const chunks: string[] = []
    const held: string[] = []
    try {
      const handle = await open(file, 'r')
      try {
        const before = await handle.stat()
        if (!before.isFile()) throw new HearthError('BAD_INPUT', `${file} is not a regular file`)
        if (before.size > MAX_BLOB_BYTES) {
          throw new HearthError('TOO_LARGE', `${file} is larger than a shelf file may be`)
        }
        const whole = createHash('sha256')
        const buffer = Buffer.alloc(CHUNK_SIZE)
        let offset = 0
        for (;;) {
          const filled = await readFull(handle, buffer, offset)
          if (filled === 0) break
          offset += filled
          if (offset > before.size) break
          const bytes = buffer.subarray(0, filled)
          whole.update(bytes)
          const hash = sha256Hex(bytes)
          chunks.push(hash)
          this.#hold(this.#heldChunks, hash)
          held.push(hash)
          if (!(await exists(this.#chunkPath(hash)))) await this.#writeChunk(hash, bytes)
          onProgress?.({ bytes: offset, total: before.size })
          if (filled < CHUNK_SIZE) break
        }
        const after = await handle.stat()
        if (
          offset !== before.size ||
          after.size !== before.size ||
          after.mtimeMs !== before.mtimeMs
        ) {
          throw new HearthError(
            'BAD_INPUT',
            `${file} changed while it was being added; add it again once it is finished`,
          )
        }
        const manifest: Manifest = {
          size: offset,
          chunkSize: CHUNK_SIZE,
          chunks,
          sha256: whole.digest('hex'),
        }
        if (chunks.length !== chunkCountFor(offset)) {
          throw new Error(`read ${chunks.length} chunks for ${offset} bytes`)
        }
        await this.putManifest(manifest)
        return manifest
      } finally {
        await handle.close()
      }
    } catch (err) {
      if (err instanceof HearthError) throw err
      throw storageFailed(`adding ${file}`, err)
    } finally {
      for (const hash of held) this.#release(this.#heldChunks, hash)
    }
  }

  /**
   * Writes the blob to `destPath`: verified chunks go to a temp file beside it (never anywhere
   * else), which is checked against the whole-file hash, fsynced and renamed into place.
   * An existing file (or symlink) at destPath is refused unless `overwrite`; with it, the entry
   * itself is replaced, so a symlink's target is never written through.
   */
  async exportTo(manifest: Manifest, destPath: string, opts: ExportOptions = {}): Promise<void> {
    checkManifest(manifest)
    const dest = path.resolve(destPath)
    const dir = path.dirname(dest)
    if (dest === dir) throw new HearthError('BAD_INPUT', 'the destination must be a file path')
    const existing = await lstatOrNull(dest)
    if (existing?.isDirectory() === true) {
      throw new HearthError('BAD_INPUT', `${dest} is a folder`)
    }
    if (existing !== null && opts.overwrite !== true) {
      throw new HearthError('BAD_INPUT', `${dest} already exists`)
    }
    if (!(await this.isComplete(manifest))) {
      throw new HearthError('BAD_INPUT', 'this file is not fully on this device yet')
    }
    const tmp = path.join(dir, `.${tempName('.hearth-part')}`)
    try {
      // A saved file gets the user's usual permissions (the umask applies), like a download.
      const handle = await open(tmp, 'wx', 0o666)
      try {
        const whole = createHash('sha256')
        for (const [index, hash] of manifest.chunks.entries()) {
          const bytes = await this.readChunk(hash)
          if (bytes === null || bytes.length !== chunkLength(manifest, index)) {
            throw new HearthError('STORAGE_FAILED', `chunk ${index} went missing during export`)
          }
          whole.update(bytes)
          await handle.write(bytes)
        }
        if (whole.digest('hex') !== manifest.sha256) {
          throw new HearthError('BAD_INPUT', "the file's chunks do not add up to its hash")
        }
        await handle.sync()
      } finally {
        await handle.close()
      }
      await placeFile(tmp, dest, opts.overwrite === true)
    } catch (err) {
      await removeQuietly(tmp, err)
      if (err instanceof HearthError) throw err
      throw storageFailed(`saving to ${dest}`, err)
    }
    await fsyncDir(dir)
  }

  // ── housekeeping ──────────────────────────────────────────────────────────────────────

  /**
   * Keeps the blob and its chunks safe from gc until the returned function is called (a fetch
   * in progress).
   */
  hold(manifest: Manifest): () => void {
    const blobId = blobIdOf(manifest)
    this.#hold(this.#heldBlobs, blobId)
    for (const hash of manifest.chunks) this.#hold(this.#heldChunks, hash)
    let released = false
    return () => {
      if (released) return
      released = true
      this.#release(this.#heldBlobs, blobId)
      for (const hash of manifest.chunks) this.#release(this.#heldChunks, hash)
    }
  }

  /** Keeps one chunk safe from gc until the returned function is called (an upload's chunks). */
  holdChunk(hash: string): () => void {
    checkHash(hash)
    this.#hold(this.#heldChunks, hash)
    let released = false
    return () => {
      if (released) return
      released = true
      this.#release(this.#heldChunks, hash)
    }
  }

  /**
   * Removes every manifest not in `keep` (and not held), then every chunk no remaining manifest
   * uses. The caller passes every blob on every shelf it wants to keep, including ones just
   * imported.
   */
  async gc(keep: Iterable<string>): Promise<GcResult> {
    // Files are named through the sealing, so what to keep is worked out in file names.
    const kept = new Map<string, string>()
    for (const blobId of [...keep, ...this.#heldBlobs.keys()]) {
      if (isHexHash(blobId)) kept.set(this.#sealing.fileName('manifest', blobId), blobId)
    }
    const result: GcResult = { removedManifests: 0, removedChunks: 0, removedBytes: 0 }
    const used = new Set(
      [...this.#heldChunks.keys()].map((h) => this.#sealing.fileName('chunk', h)),
    )
    try {
      for (const file of await listHashFiles(this.#manifestsDir)) {
        const blobId = kept.get(path.basename(file))
        if (blobId !== undefined) {
          const manifest = await this.getManifest(blobId)
          for (const hash of manifest?.chunks ?? []) used.add(this.#sealing.fileName('chunk', hash))
          continue
        }
        result.removedBytes += (await stat(file)).size
        await rm(file, { force: true })
        result.removedManifests++
      }
      // A removed manifest may be cached under its id, which its file name no longer tells.
      for (const blobId of this.#manifests.keys()) {
        if (!kept.has(this.#sealing.fileName('manifest', blobId))) this.#manifests.delete(blobId)
      }
      for (const file of await listHashFiles(this.#chunksDir)) {
        if (used.has(path.basename(file))) continue
        result.removedBytes += (await stat(file)).size
        await rm(file, { force: true })
        result.removedChunks++
      }
    } catch (err) {
      if (err instanceof HearthError) throw err
      throw storageFailed('cleaning the blob store', err)
    }
    return result
  }

  /**
   * The ids of every blob whose manifest this store holds, in no particular order. In a sealed
   * store each manifest is opened to learn its id; one that does not open is skipped (gc removes
   * it unless someone keeps its id).
   */
  async blobIds(): Promise<string[]> {
    const ids: string[] = []
    try {
      for (const file of await listHashFiles(this.#manifestsDir)) {
        const name = path.basename(file)
        const opened = this.#sealing.open('manifest', name, await readFile(file))
        if (opened === undefined) continue
        const blobId = sha256Hex(opened)
        if (this.#sealing.fileName('manifest', blobId) === name) ids.push(blobId)
      }
    } catch (err) {
      throw storageFailed('listing the blob store', err)
    }
    return ids
  }

  /** Bytes the store occupies on disk (chunks, manifests and temp files). */
  async usage(): Promise<number> {
    let total = 0
    try {
      for (const dir of [this.#chunksDir, this.#manifestsDir, this.#tmpDir]) {
        for (const file of await listFiles(dir)) total += (await stat(file)).size
      }
    } catch (err) {
      throw storageFailed('measuring the blob store', err)
    }
    return total
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────

  async #writeChunk(hash: string, bytes: Uint8Array, onWritten?: () => void): Promise<void> {
    try {
      const file = this.#chunkPath(hash)
      await writeFileDurably(
        this.#tmpDir,
        file,
        this.#sealing.seal('chunk', path.basename(file), bytes),
        { folders: this.#folders, onWritten },
      )
    } catch (err) {
      throw writeFailure('saving a chunk', err)
    }
  }

  #chunkPath(hash: string): string {
    const name = this.#sealing.fileName('chunk', hash)
    return path.join(this.#chunksDir, name.slice(0, 2), name)
  }

  #manifestPath(blobId: string): string {
    const name = this.#sealing.fileName('manifest', blobId)
    return path.join(this.#manifestsDir, name.slice(0, 2), name)
  }

  #remember(blobId: string, manifest: Manifest): void {
    this.#manifests.delete(blobId)
    this.#manifests.set(blobId, manifest)
    for (const old of this.#manifests.keys()) {
      if (this.#manifests.size <= MANIFEST_CACHE_SIZE) break
      this.#manifests.delete(old)
    }
  }

  #hold(counts: Map<string, number>, key: string): void {
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }

  #release(counts: Map<string, number>, key: string): void {
    const n = (counts.get(key) ?? 0) - 1
    if (n > 0) counts.set(key, n)
    else counts.delete(key)
  }
}

function checkHash(hash: string): void {
  if (!isHexHash(hash)) throw new HearthError('BAD_INPUT', 'not a chunk hash')
}

function storageFailed(what: string, err: unknown): HearthError {
  const why = err instanceof Error ? err.message : String(err)
  return new HearthError('STORAGE_FAILED', `${what} failed: ${why}`)
}

/** Runs `work` over `items`, at most `width` at a time; rejects with the first failure. */
async function eachAtOnce<T>(
  items: readonly T[],
  width: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  let failure: { err: unknown } | null = null
  const worker = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      const item = items[next++] as T
      try {
        await work(item)
      } catch (err) {
        failure ??= { err }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker))
  if (failure !== null) throw (failure as { err: unknown }).err
}

async function exists(file: string): Promise<boolean> {
  return (await lstatOrNull(file)) !== null
}

/** Files at depth two (<2 hex>/<hash>) whose names are hex hashes. */
async function listHashFiles(dir: string): Promise<string[]> {
  return (await listFiles(dir)).filter((f) => isHexHash(path.basename(f)))
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = []
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) out.push(...(await listFiles(full)))
    else if (entry.isFile()) out.push(full)
  }
  return out
}
