// Files whose bytes arrive over the client connection (a browser cannot hand the peer a path).
// Bytes stream into the blob store as they come: one 1 MiB chunk buffer per upload, each full
// chunk hashed, held against gc and stored, so memory stays flat whatever the file size. An
// upload belongs to the connection that began it; it ends when finished, cancelled, idle for too
// long, or when that connection closes, and an ended upload releases its chunks (the next gc
// removes the ones no file uses).
import { createHash, randomBytes, type Hash } from 'node:crypto'
import { HearthError } from '../../api/index.ts'
import { CHUNK_SIZE, chunkCountFor, sha256Hex, type Manifest } from './manifest.ts'

export interface UploadStore {
  putChunk(hash: string, bytes: Uint8Array): Promise<void>
  holdChunk(hash: string): () => void
}

export interface UploadTarget {
  groupId: string
  name: string
  folder: string
  size: number
}

export interface UploadLimits {
  /** Uploads in progress at once, from all connections together. */
  maxUploads: number
  /** An upload that receives no chunk for this long is cancelled. */
  idleMs: number
}

export const defaultUploadLimits: UploadLimits = { maxUploads: 8, idleMs: 60_000 }

export interface UploadsDeps {
  store: UploadStore
  limits?: Partial<UploadLimits>
  /** An upload ended without becoming a file: its chunks are no longer held. */
  onAbandoned?(uploadId: string, why: string): void
}

interface Upload {
  id: string
  owner: object
  target: UploadTarget
  received: number
  /** The chunk being filled. */
  buffer: Buffer
  filled: number
  chunks: string[]
  whole: Hash
  releases: (() => void)[]
  timer: ReturnType<typeof setTimeout> | undefined
  /** A chunk call is being handled: the next must wait for its answer. */
  busy: boolean
  /** Finished, cancelled or timed out: nothing more is held for it. */
  ended: boolean
  offSignal: () => void
}

export class Uploads {
  readonly #deps: UploadsDeps
  readonly #limits: UploadLimits
  readonly #uploads = new Map<string, Upload>()

  constructor(deps: UploadsDeps) {
    this.#deps = deps
    this.#limits = { ...defaultUploadLimits, ...deps.limits }
  }

  get active(): number {
    return this.#uploads.size
  }

  begin(owner: object, signal: AbortSignal | undefined, target: UploadTarget): string {
    if (signal?.aborted === true) throw new HearthError('CANCELLED', 'The connection closed.')
    if (this.#uploads.size >= this.#limits.maxUploads) {
      throw new HearthError(
        'RATE_LIMITED',
        `At most ${this.#limits.maxUploads} files can be uploaded at once; wait for one to finish.`,
      )
    }
    const id = randomBytes(18).toString('base64url')
    const onAbort = (): void => this.#end(id, 'its connection closed')
    signal?.addEventListener('abort', onAbort, { once: true })
    const upload: Upload = {
      id,
      owner,
      target,
      received: 0,
      buffer: Buffer.alloc(Math.min(CHUNK_SIZE, Math.max(1, target.size))),
      filled: 0,
      chunks: [],
      whole: createHash('sha256'),
      releases: [],
      timer: undefined,
      busy: false,
      ended: false,
      offSignal: () => signal?.removeEventListener('abort', onAbort),
    }
    this.#uploads.set(id, upload)
    this.#arm(upload)
    return id
  }

  /** Takes the bytes at `offset` (which must be where the upload stands); returns bytes so far. */
  async chunk(uploadId: string, owner: object, offset: number, bytes: Uint8Array): Promise<number> {
    const upload = this.#get(uploadId, owner)
    if (upload.busy) {
      throw new HearthError('BAD_INPUT', 'Send the next chunk once the last one was answered.')
    }
    if (offset !== upload.received) {
      throw new HearthError(
        'BAD_INPUT',
        `This upload stands at byte ${upload.received}, not ${offset}; send chunks in order.`,
      )
    }
    if (upload.received + bytes.length > upload.target.size) {
      this.#end(uploadId, 'it sent more bytes than it declared')
      throw new HearthError('BAD_INPUT', 'The upload is larger than the size it declared.')
    }
    upload.busy = true
    clearTimeout(upload.timer)
    try {
      let at = 0
      while (at < bytes.length) {
        const take = Math.min(bytes.length - at, upload.buffer.length - upload.filled)
        upload.buffer.set(bytes.subarray(at, at + take), upload.filled)
        upload.filled += take
        at += take
        upload.received += take
        if (upload.filled === upload.buffer.length) await this.#storeChunk(upload)
      }
    } catch (err) {
      this.#end(uploadId, `storing it failed (${err instanceof Error ? err.message : String(err)})`)
      throw err
    } finally {
      upload.busy = false
      if (this.#uploads.get(uploadId) === upload) this.#arm(upload)
    }
    return upload.received
  }

  /**
   * Ends the upload and returns its manifest and target. Its chunks stay held until the
   * returned `release` is called: the caller stores the manifest and the shelf entry first.
   */
  async finish(
    uploadId: string,
    owner: object,
  ): Promise<{ manifest: Manifest; target: UploadTarget; release(): void }> {
    const upload = this.#get(uploadId, owner)
    if (upload.busy) throw new HearthError('BAD_INPUT', 'A chunk of this upload is still arriving.')
    if (upload.received !== upload.target.size) {
      throw new HearthError(
        'BAD_INPUT',
        `The upload has ${upload.received} of the ${upload.target.size} bytes it declared.`,
      )
    }
    upload.busy = true
    try {
      if (upload.filled > 0) await this.#storeChunk(upload)
    } catch (err) {
      this.#end(uploadId, 'storing its last chunk failed')
      throw err
    }
    this.#forget(upload)
    if (upload.chunks.length !== chunkCountFor(upload.target.size)) {
      this.#release(upload)
      throw new HearthError(
        'INTERNAL',
        `an upload of ${upload.target.size} bytes made ${upload.chunks.length} chunks`,
      )
    }
    const manifest: Manifest = {
      size: upload.target.size,
      chunkSize: CHUNK_SIZE,
      chunks: upload.chunks,
      sha256: upload.whole.digest('hex'),
    }
    return { manifest, target: upload.target, release: () => this.#release(upload) }
  }

  cancel(uploadId: string, owner: object): void {
    this.#get(uploadId, owner)
    this.#end(uploadId, 'it was cancelled')
  }

  /** Ends every upload (the peer is stopping). */
  stop(): void {
    for (const id of [...this.#uploads.keys()]) this.#end(id, 'the peer stopped')
  }

  #get(uploadId: string, owner: object): Upload {
    const upload = this.#uploads.get(uploadId)
    // Another connection's upload is as good as none: its id is not a thing to guess at.
    if (upload === undefined || upload.owner !== owner) {
      throw new HearthError('FILE_NOT_FOUND', 'There is no such upload (it may have timed out).')
    }
    return upload
  }

  async #storeChunk(upload: Upload): Promise<void> {
    const bytes = upload.buffer.subarray(0, upload.filled)
    const hash = sha256Hex(bytes)
    // Held before it is written, so a gc between the two cannot take it.
    upload.releases.push(this.#deps.store.holdChunk(hash))
    await this.#deps.store.putChunk(hash, bytes)
    if (upload.ended) {
      // It ended while this chunk was being written; this hold is the last one left.
      this.#release(upload)
      throw new HearthError('CANCELLED', 'The upload was cancelled.')
    }
    upload.whole.update(bytes)
    upload.chunks.push(hash)
    upload.filled = 0
    // The last chunk of a file is short: its buffer is exactly what is left.
    const left = upload.target.size - upload.received
    if (left > 0 && left < upload.buffer.length) upload.buffer = Buffer.alloc(left)
  }

  #arm(upload: Upload): void {
    clearTimeout(upload.timer)
    upload.timer = setTimeout(
      () => this.#end(upload.id, `no chunk came for ${this.#limits.idleMs} ms`),
      this.#limits.idleMs,
    )
    upload.timer.unref?.()
  }

  #forget(upload: Upload): void {
    upload.ended = true
    clearTimeout(upload.timer)
    upload.offSignal()
    this.#uploads.delete(upload.id)
  }

  #release(upload: Upload): void {
    for (const release of upload.releases.splice(0)) release()
  }

  #end(uploadId: string, why: string): void {
    const upload = this.#uploads.get(uploadId)
    if (upload === undefined) return
    this.#forget(upload)
    // A chunk being written now releases its own hold once its write is over (#storeChunk).
    this.#release(upload)
    try {
      this.#deps.onAbandoned?.(uploadId, why)
    } catch (err) {
      console.error('hearth: an upload clean-up listener failed', err)
    }
  }
}
