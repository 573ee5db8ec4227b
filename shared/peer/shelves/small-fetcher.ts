// The receiving side of the batched `blobs` request (/hearth/blob/2.0.0): whole blobs of at most
// one chunk, many per stream. A file of 10 KB fetched on its own costs a manifest request and a
// chunk request (two streams, two round trips) and four fsyncs; here every small file anyone
// wants waits in one queue, and whenever a source has a free stream slot it is asked for up to
// blobsPerRequest of them at once. Answers come back in request order, each blob with its
// manifest; each is checked against its id, its shelf entry and its hash before a byte of it is
// kept, then handed to the store's group commit, and reported fetched only once it is durable.
//
// A source that answers badly (a blob that does not verify, more bytes than declared, a position
// it was not asked for or out of order, a stall, an early end) is struck and no longer asked for
// any blob queued now; what it had not delivered goes back to the queue for the other sources.
// A source that does not hold a blob (NO_BLOB), refuses, or is busy is not asked for those
// blobs again. A blob every source failed to send fails with NO_MEMBER_REACHABLE, as a fetch
// of one blob does.
//
// Memory: at most maxSmallBytesInFlight bytes (by the shelf entries' sizes) are asked for or
// received and not yet stored, whatever the number of sources.
import { HearthError } from '../../api/index.ts'
import { FrameDecoder, FrameError, encodeFrame } from '../sync/frames.ts'
import { ChunkMismatchError } from './blob-store.ts'
import {
  CHUNK_SIZE,
  MAX_SMALL_MANIFEST_BYTES,
  SmallBlobError,
  verifiedSmallBlob,
} from './manifest.ts'
import {
  FRAME_BLOB,
  FRAME_BUSY,
  FRAME_NO_BLOB,
  FRAME_REFUSED,
  MAX_BLOB_FRAME_BYTES,
  MAX_BLOBS_PER_REQUEST,
  ProtocolError,
  readResponse,
  writeRequest,
} from './wire.ts'
import type { SmallBlob } from './blob-store.ts'
import type { PeerSlots } from './peer-slots.ts'
import type { Logger, PeerId, Stream } from '@libp2p/interface'

/** What fetching small blobs needs from the blob store (BlobStore implements it). */
export interface SmallFetchStore {
  /** Checks and stores whole small blobs; resolves once all are durable. */
  putSmallBlobs(blobs: readonly SmallBlob[]): Promise<void>
  /** Keeps the blob safe from gc until the returned function is called. */
  hold(manifest: SmallBlob['manifest']): () => void
}

export interface SmallFetchLimits {
  /** Streams open to one source at once for small blobs (within the per-peer slots). */
  streamsPerSource: number
  /** Blobs asked for on one stream (at most MAX_BLOBS_PER_REQUEST). */
  blobsPerRequest: number
  /** Bytes (by entry size) one request may ask for; a single blob may pass it alone. */
  smallBytesPerRequest: number
  /** Bytes asked for or received and not yet stored, across every source. */
  maxSmallBytesInFlight: number
  /** A source must deliver each next answer within this time, or it is dropped. */
  chunkTimeoutMs: number
  dialTimeoutMs: number
}

export interface FetchSmallOptions {
  groupId: string
  blobId: string
  /** The size and file hash the shelf entry signed; the blob must match them. */
  size: number
  sha256: string
  /** Members to ask; the first free one is asked. */
  sources: PeerId[]
  signal?: AbortSignal
  /** Asked for by a person (not the keep policy): goes ahead of the others. */
  urgent?: boolean
}

export interface SmallFetchResult {
  blobId: string
  fetchedBytes: number
  /** Who sent it. */
  source: string
}

export interface SmallFetchDeps {
  store: SmallFetchStore
  limits: SmallFetchLimits
  slots: PeerSlots
  log: Logger
  self: string
  openStream(peer: PeerId, signal: AbortSignal): Promise<Stream>
  strike(peerId: string, reason: string): void
}

interface Item {
  opts: FetchSmallOptions
  /** The sources' peer ids as strings. */
  keys: Set<string>
  /** Sources not to ask for this blob again, and why. */
  excluded: Map<string, string>
  state: 'queued' | 'asked' | 'storing'
  /** Asked for by a person: queued ahead of the others (from the start, or once promoted). */
  urgent: boolean
  resolve(result: SmallFetchResult): void
  reject(err: unknown): void
  onAbort: () => void
}

interface Source {
  peer: PeerId
  key: string
  inFlight: number
  streams: Set<Stream>
  /** Times it was struck: its streams open then fail together, and that is one offence. */
  offences: number
}

type Outcome =
  | { kind: 'ok' }
  | { kind: 'strike'; reason: string }
  | { kind: 'drop'; reason: string }
  | { kind: 'aborted' }

export class SmallFetches {
  readonly #deps: SmallFetchDeps
  /** Every blob wanted and not yet stored or failed, by blob id. */
  readonly #items = new Map<string, Item>()
  /** Queued blob ids, asked-for ones first, each in the order they came. */
  readonly #urgent = new Set<string>()
  readonly #queue = new Set<string>()
  readonly #sources = new Map<string, Source>()
  #bytesInFlight = 0
  #stopped: Error | null = null
  #pumpScheduled = false

  constructor(deps: SmallFetchDeps) {
    this.#deps = deps
  }

  /** Resolves once the blob is verified and durable in the store. */
  fetch(opts: FetchSmallOptions): Promise<SmallFetchResult> {
    if (this.#stopped !== null) return Promise.reject(this.#stopped)
    opts.signal?.throwIfAborted()
    if (opts.size > CHUNK_SIZE) throw new RangeError('not a small blob')
    if (this.#items.has(opts.blobId)) {
      return Promise.reject(new HearthError('BAD_INPUT', 'This file is being fetched already.'))
    }
    return new Promise<SmallFetchResult>((resolve, reject) => {
      const item: Item = {
        opts,
        keys: new Set(opts.sources.map((p) => p.toString())),
        excluded: new Map(),
        state: 'queued',
        urgent: opts.urgent === true,
        resolve,
        reject,
        onAbort: () => this.#fail(opts.blobId, opts.signal?.reason),
      }
      for (const peer of opts.sources) {
        const key = peer.toString()
        if (!this.#sources.has(key)) {
          this.#sources.set(key, { peer, key, inFlight: 0, streams: new Set(), offences: 0 })
        }
      }
      item.excluded.set(this.#deps.self, 'ourselves')
      this.#items.set(opts.blobId, item)
      ;(item.urgent ? this.#urgent : this.#queue).add(opts.blobId)
      opts.signal?.addEventListener('abort', item.onAbort, { once: true })
      if (!this.#failIfHopeless(item)) this.#pumpSoon()
    })
  }

  /**
   * Pumps once the wants of this turn of the event loop are all queued, so that files asked
   * for together go out together instead of the first few in requests of their own.
   */
  #pumpSoon(): void {
    if (this.#pumpScheduled) return
    this.#pumpScheduled = true
    setImmediate(() => {
      this.#pumpScheduled = false
      this.pump()
    })
  }

  /** A person asked for a blob the policy queued: it goes ahead. */
  promote(blobId: string): void {
    const item = this.#items.get(blobId)
    if (item === undefined) return
    item.urgent = true
    if (this.#queue.delete(blobId)) this.#urgent.add(blobId)
  }

  stop(reason: Error): void {
    this.#stopped = reason
    for (const blobId of [...this.#items.keys()]) this.#fail(blobId, reason)
    for (const source of this.#sources.values()) {
      for (const stream of source.streams) stream.abort(reason)
    }
  }

  /** Starts every request the window and the free slots allow. */
  pump(): void {
    if (this.#stopped !== null) return
    let started = true
    while (started && this.#bytesInFlight < this.#deps.limits.maxSmallBytesInFlight) {
      started = false
      for (const source of this.#sources.values()) {
        if (this.#bytesInFlight >= this.#deps.limits.maxSmallBytesInFlight) break
        if (source.inFlight >= this.#deps.limits.streamsPerSource) continue
        const batch = this.#take(source, false)
        if (batch.length === 0) continue
        if (!this.#deps.slots.tryAcquire(source.key)) continue
        this.#start(source, this.#take(source, true))
        started = true
      }
    }
  }

  /** The next batch for `source`: queued blobs it may be asked for, up to the request's caps. */
  #take(source: Source, remove: boolean): Item[] {
    const { blobsPerRequest, smallBytesPerRequest, maxSmallBytesInFlight } = this.#deps.limits
    const most = Math.min(blobsPerRequest, MAX_BLOBS_PER_REQUEST)
    const room = maxSmallBytesInFlight - this.#bytesInFlight
    const batch: Item[] = []
    let bytes = 0
    for (const queue of [this.#urgent, this.#queue]) {
      for (const blobId of queue) {
        if (batch.length === most) break
        const item = this.#items.get(blobId) as Item
        if (item.excluded.has(source.key)) continue
        if (!item.keys.has(source.key)) continue
        const size = item.opts.size
        if (batch.length > 0 && (bytes + size > smallBytesPerRequest || bytes + size > room)) break
        batch.push(item)
        bytes += size
        if (!remove) return batch
      }
    }
    if (remove) {
      for (const item of batch) {
        this.#urgent.delete(item.opts.blobId)
        this.#queue.delete(item.opts.blobId)
        item.state = 'asked'
        this.#bytesInFlight += item.opts.size
      }
    }
    return batch
  }

  #start(source: Source, batch: Item[]): void {
    source.inFlight++
    void this.#request(source, batch)
      .catch((err: unknown) => {
        // #request handles every failure of the source; reaching here is a bug of ours.
        this.#deps.log.error('fetching small files from %s failed - %e', source.key, err)
        for (const item of batch) this.#fail(item.opts.blobId, err)
      })
      .finally(() => {
        source.inFlight--
        this.#deps.slots.release(source.key)
        this.pump()
      })
  }

  async #request(source: Source, batch: Item[]): Promise<void> {
    // Positions not answered yet; an item leaves this once answered (stored, lacking or failed).
    const pending = new Set(batch)
    const abort = new AbortController()
    const offences = source.offences
    let outcome: Outcome
    let stream: Stream | undefined
    try {
      const dialSignal = AbortSignal.any([
        abort.signal,
        AbortSignal.timeout(this.#deps.limits.dialTimeoutMs),
      ])
      stream = await this.#deps.openStream(source.peer, dialSignal)
      source.streams.add(stream)
      outcome = await this.#exchange(source, stream, batch, pending)
    } catch (err) {
      outcome =
        this.#stopped !== null
          ? { kind: 'aborted' }
          : { kind: 'drop', reason: `unreachable: ${errorText(err)}` }
    } finally {
      if (stream !== undefined) source.streams.delete(stream)
    }
    if (outcome.kind === 'strike' && source.offences === offences) {
      source.offences++
      this.#deps.strike(source.key, outcome.reason)
      // Not asked again for anything queued now, nor allowed to finish what it is sending;
      // later wants may try it again (and strike it again).
      for (const item of this.#items.values()) {
        if (item.state === 'queued') item.excluded.set(source.key, outcome.reason)
      }
      for (const other of source.streams) other.abort(new Error(`source struck: ${outcome.reason}`))
    }
    for (const item of pending) {
      this.#bytesInFlight -= item.opts.size
      if (this.#items.get(item.opts.blobId) !== item) continue // cancelled meanwhile
      if (outcome.kind !== 'ok' && outcome.kind !== 'aborted') {
        item.excluded.set(source.key, outcome.reason)
      }
      item.state = 'queued'
      ;(item.urgent ? this.#urgent : this.#queue).add(item.opts.blobId)
      this.#failIfHopeless(item)
    }
  }

  /** Sends the request and reads the answers; resolves with how it went (it never rejects). */
  #exchange(source: Source, stream: Stream, batch: Item[], pending: Set<Item>): Promise<Outcome> {
    // Frame k answers position k, so it can hold no more than that blob's declared size (a
    // REFUSED or BUSY frame, one byte, comes first and alone); anything past the last position
    // is unasked for, and may not be more than a NO_BLOB.
    const decoder = new FrameDecoder(MAX_BLOB_FRAME_BYTES, {
      capOf: (frame) => {
        const item = batch[frame]
        return item === undefined ? 3 : 3 + MAX_SMALL_MANIFEST_BYTES + item.opts.size
      },
    })
    const { chunkTimeoutMs } = this.#deps.limits
    let next = 0
    return new Promise<Outcome>((resolve) => {
      let timer: ReturnType<typeof setTimeout> | undefined
      let done = false
      const finish = (outcome: Outcome, abortWith?: Error): void => {
        if (done) return
        done = true
        clearTimeout(timer)
        stream.removeEventListener('message', onMessage)
        stream.removeEventListener('end', onEnd)
        stream.removeEventListener('close', onClose)
        if (abortWith !== undefined) stream.abort(abortWith)
        resolve(outcome)
      }
      const armTimer = (): void => {
        clearTimeout(timer)
        timer = setTimeout(() => {
          if (next === batch.length) finish({ kind: 'ok' }, new Error('stream left open'))
          else {
            finish(
              { kind: 'strike', reason: `stalled: no answer within ${chunkTimeoutMs} ms` },
              new Error('stalled'),
            )
          }
        }, chunkTimeoutMs)
      }
      const onMessage = (evt: { data: Uint8Array | Iterable<Uint8Array> }): void => {
        try {
          for (const frame of decoder.push(evt.data)) {
            const response = readResponse(frame)
            if (response.type === FRAME_REFUSED) {
              finish({ kind: 'drop', reason: 'refused' }, new Error('refused'))
              return
            }
            if (response.type === FRAME_BUSY) {
              finish({ kind: 'drop', reason: 'busy' }, new Error('busy'))
              return
            }
            if (response.type !== FRAME_BLOB && response.type !== FRAME_NO_BLOB) {
              throw new ProtocolError(`sent frame type ${response.type} for a blobs request`)
            }
            if (response.position !== next) {
              throw new ProtocolError(
                next === batch.length
                  ? `answered position ${response.position} after the last one`
                  : `answered position ${response.position} where ${next} was due`,
              )
            }
            const item = batch[next++] as Item
            pending.delete(item)
            if (response.type === FRAME_NO_BLOB) {
              this.#lacks(item, source)
            } else {
              const blob = this.#verify(item, response.manifest, response.bytes)
              if (blob instanceof SmallBlobError) {
                // Back in the queue for the others, this source excluded for it.
                pending.add(item)
                throw new ProtocolError(
                  `sent blob ${next - 1} that does not verify: ${blob.message}`,
                )
              }
              if (blob !== null) this.#store(item, source, blob)
            }
            armTimer()
          }
        } catch (err) {
          if (err instanceof FrameError || err instanceof ProtocolError) {
            finish({ kind: 'strike', reason: err.message }, err)
            return
          }
          this.#deps.log.error('handling a blobs answer from %s failed - %e', source.key, err)
          finish({ kind: 'drop', reason: errorText(err) }, toError(err))
        }
      }
      const onEnd = (): void => {
        if (decoder.midFrame) finish({ kind: 'strike', reason: 'stream ended inside a frame' })
        else if (next < batch.length) {
          finish({ kind: 'strike', reason: `ended without answering ${batch.length - next} blobs` })
        } else finish({ kind: 'ok' })
      }
      const onClose = (evt: { error?: Error }): void => {
        if (evt.error === undefined && next === batch.length) finish({ kind: 'ok' })
        else finish({ kind: 'drop', reason: `stream closed: ${errorText(evt.error)}` })
      }
      stream.addEventListener('message', onMessage)
      stream.addEventListener('end', onEnd)
      stream.addEventListener('close', onClose)
      if (this.#stopped !== null) {
        finish({ kind: 'aborted' }, this.#stopped)
        return
      }
      armTimer()
      this.#send(stream, batch).catch((err: unknown) => {
        finish({ kind: 'drop', reason: `request not sent: ${errorText(err)}` }, toError(err))
      })
    })
  }

  async #send(stream: Stream, batch: Item[]): Promise<void> {
    const first = batch[0] as Item
    const payload = writeRequest({
      op: 'blobs',
      groupId: first.opts.groupId,
      blobIds: batch.map((item) => item.opts.blobId),
    })
    const signal = AbortSignal.timeout(this.#deps.limits.chunkTimeoutMs)
    if (!stream.send(encodeFrame(payload))) await stream.onDrain({ signal })
    await stream.close({ signal })
  }

  /**
   * The blob if it verifies; a SmallBlobError if the source sent something else; null when the
   * blob matches its id but not its shelf entry (its author's doing: the want fails, the source
   * is not to blame) or nobody wants it any more.
   */
  #verify(item: Item, manifest: Uint8Array, bytes: Uint8Array): SmallBlob | SmallBlobError | null {
    try {
      const verified = verifiedSmallBlob(item.opts.blobId, manifest, bytes, item.opts)
      if (this.#items.get(item.opts.blobId) !== item) {
        this.#bytesInFlight -= item.opts.size
        return null
      }
      // Copied out of the frame, which may share a larger buffer.
      return { manifest: verified, bytes: new Uint8Array(bytes) }
    } catch (err) {
      if (!(err instanceof SmallBlobError)) throw err
      if (!err.entryMismatch) return err
      this.#bytesInFlight -= item.opts.size
      this.#fail(
        item.opts.blobId,
        new HearthError('BAD_INPUT', 'The stored file does not match its shelf entry.'),
      )
      return null
    }
  }

  #lacks(item: Item, source: Source): void {
    this.#bytesInFlight -= item.opts.size
    if (this.#items.get(item.opts.blobId) !== item) return
    item.excluded.set(source.key, 'does not have it')
    item.state = 'queued'
    ;(item.urgent ? this.#urgent : this.#queue).add(item.opts.blobId)
    this.#failIfHopeless(item)
  }

  #store(item: Item, source: Source, blob: SmallBlob): void {
    item.state = 'storing'
    const release = this.#deps.store.hold(blob.manifest)
    this.#deps.store
      .putSmallBlobs([blob])
      .finally(release)
      .then(
        () => {
          this.#bytesInFlight -= item.opts.size
          if (this.#items.get(item.opts.blobId) === item) {
            this.#settle(item)
            item.resolve({
              blobId: item.opts.blobId,
              fetchedBytes: blob.bytes.length,
              source: source.key,
            })
          }
          this.pump()
        },
        (err: unknown) => {
          this.#bytesInFlight -= item.opts.size
          if (err instanceof ChunkMismatchError) {
            // We verified it already: the store disagreeing is a bug of ours, not the source's.
            this.#deps.log.error('the store refused a verified small blob %s', item.opts.blobId)
          }
          this.#fail(item.opts.blobId, err)
          this.pump()
        },
      )
  }

  /** Fails the item when no source is left to ask; true if it did. */
  #failIfHopeless(item: Item): boolean {
    if (item.state !== 'queued') return false
    const left = [...item.keys].some((key) => !item.excluded.has(key))
    if (left) return false
    const detail = [...item.excluded]
      .filter(([key]) => key !== this.#deps.self)
      .map(([key, why]) => `${key.slice(-6)}: ${why}`)
      .join('; ')
    this.#fail(
      item.opts.blobId,
      new HearthError(
        'NO_MEMBER_REACHABLE',
        item.opts.sources.length === 0
          ? 'No member to fetch this file from.'
          : `No member sent this file${detail === '' ? '' : ` (${detail})`}.`,
      ),
    )
    return true
  }

  #fail(blobId: string, err: unknown): void {
    const item = this.#items.get(blobId)
    if (item === undefined) return
    this.#settle(item)
    item.reject(err)
  }

  #settle(item: Item): void {
    const blobId = item.opts.blobId
    this.#items.delete(blobId)
    this.#urgent.delete(blobId)
    this.#queue.delete(blobId)
    item.opts.signal?.removeEventListener('abort', item.onAbort)
  }
}

function errorText(err: unknown): string {
  if (err === undefined) return 'closed early'
  return err instanceof Error ? err.message : String(err)
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
