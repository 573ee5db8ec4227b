// The receiving side of /hearth/blob/2.0.0: fetches the chunks of one blob that we do not hold
// yet, from several members at once. Each source gets a small window (a few streams, each asking
// for a few chunks), so memory stays within sources × window × 1 MiB whatever the file size.
// Every chunk is checked (length on arrival, hash by the store before it keeps a byte); a source
// that sends a bad chunk, more bytes than declared, anything it was not asked for, or stalls, is
// dropped for this blob (and struck), and its chunks go back to the pool for the others. Only
// missing chunks are ever requested, so a fetch started again after a cancel, a crash or a
// restart resumes where the verified chunks on disk end.
//
// Writing is decoupled from asking: a request's slot is free again as soon as its last chunk
// has arrived, so the next request is on the wire while the disk catches up. What bounds memory
// is a window per fetch, whatever the number of sources: at most maxChunksInFlight chunks are
// asked for or received and not yet stored; a new request waits until there is room for it.
import { HearthError } from '../../api/index.ts'
import { sendAll } from '../back-pressure.ts'
import { FrameDecoder, FrameError, encodeFrame } from '../sync/frames.ts'
import { ChunkMismatchError } from './blob-store.ts'
import { blobIdOf, checkManifest, chunkLength } from './manifest.ts'
import { RateMeter } from './rate.ts'
import {
  FRAME_BUSY,
  FRAME_CHUNK,
  FRAME_NO_CHUNK,
  FRAME_REFUSED,
  MAX_CHUNK_FRAME_BYTES,
  ProtocolError,
  readResponse,
  writeRequest,
} from './wire.ts'
import type { ChunkBuffers } from './chunk-buffers.ts'
import type { Manifest } from './manifest.ts'
import type { PeerSlots } from './peer-slots.ts'
import type { Logger, PeerId, Stream } from '@libp2p/interface'

/** What a fetch needs from the blob store (BlobStore implements it). */
export interface FetchStore {
  putManifest(manifest: Manifest): Promise<string>
  /**
   * Keeps the chunk only if `bytes` hash to `hash`; otherwise throws ChunkMismatchError. Calls
   * `onWritten` (if at all) once it reads `bytes` no more, before the chunk is durable.
   */
  putChunk(hash: string, bytes: Uint8Array, options?: { onWritten?(): void }): Promise<void>
  missingChunks(manifest: Manifest): Promise<number[]>
  hold(manifest: Manifest): () => void
}

export interface FetchLimits {
  /** Streams open to one source at once, for this blob. */
  streamsPerSource: number
  /** Chunks asked for on one stream. */
  chunksPerRequest: number
  /** Chunks of one fetch asked for, or received and not yet stored (the fetch's window). */
  maxChunksInFlight: number
  /** A source must deliver each next chunk (or answer) within this time, or it is dropped. */
  chunkTimeoutMs: number
  /** Reaching a source and opening a stream to it. */
  dialTimeoutMs: number
}

export interface FetchProgress {
  /** Bytes of the file held on this device (verified), including those held before. */
  bytes: number
  total: number
  /** Bytes per second over the last few seconds. */
  rate: number
  /** Sources currently sending. */
  sources: number
}

export interface FetchBlobOptions {
  manifest: Manifest
  groupId: string
  /** Members to fetch from; we ask several at once when several are given. */
  sources: PeerId[]
  signal?: AbortSignal
  onProgress?(progress: FetchProgress): void
}

export interface FetchResult {
  blobId: string
  /** Bytes this fetch received and stored (0 when the blob was already complete). */
  fetchedBytes: number
  /** Bytes stored per source peer id. */
  bySource: Record<string, number>
  /** Sources dropped for this blob, and why. */
  dropped: { peerId: string; reason: string }[]
}

export interface FetchDeps {
  store: FetchStore
  limits: FetchLimits
  /** Where received chunk frames go; each is given back once its chunk is stored. */
  buffers?: ChunkBuffers
  /** Our per-peer stream slots, shared by every fetch. */
  slots: PeerSlots
  log: Logger
  openStream(peer: PeerId, signal: AbortSignal): Promise<Stream>
  strike(peerId: string, reason: string): void
}

type Outcome =
  | { kind: 'ok' }
  /** The source broke the protocol or sent bad data: drop it and strike it. */
  | { kind: 'strike'; reason: string }
  /** The source cannot help (refused, busy, unreachable, gone): drop it, no blame. */
  | { kind: 'drop'; reason: string }
  | { kind: 'aborted' }

interface Source {
  peer: PeerId
  key: string
  inFlight: number
  streams: Set<Stream>
  /** Why it was dropped; null while it is still used. */
  dropped: string | null
  /** Chunks it told us it does not hold. */
  lacks: Set<number>
  bytes: number
}

export class BlobFetch {
  readonly blobId: string
  readonly #deps: FetchDeps
  readonly #opts: FetchBlobOptions
  readonly #manifest: Manifest
  readonly #sources: Source[]
  /** Chunk indexes nobody is fetching right now. */
  readonly #pool = new Set<number>()
  readonly #abort = new AbortController()
  readonly #rate = new RateMeter()
  readonly #dropped: FetchResult['dropped'] = []
  #tasks = 0
  /** Chunk writes in progress. */
  #writing = 0
  /** Chunks asked for and not yet stored, answered as missing, or given back to the pool. */
  #outstanding = 0
  #have = 0
  #fetched = 0
  #failure: Error | null = null
  /** False until run() has filled the pool: a slot released meanwhile must not end us early. */
  #pumping = false
  #settled = false
  #resolve: (result: FetchResult) => void = () => {}
  #reject: (err: unknown) => void = () => {}

  constructor(deps: FetchDeps, opts: FetchBlobOptions, self: string) {
    checkManifest(opts.manifest)
    this.#deps = deps
    this.#opts = opts
    this.#manifest = opts.manifest
    this.blobId = blobIdOf(opts.manifest)
    const seen = new Set<string>([self])
    this.#sources = []
    for (const peer of opts.sources) {
      const key = peer.toString()
      if (seen.has(key)) continue
      seen.add(key)
      this.#sources.push({
        peer,
        key,
        inFlight: 0,
        streams: new Set(),
        dropped: null,
        lacks: new Set(),
        bytes: 0,
      })
    }
  }

  async run(): Promise<FetchResult> {
    const { signal } = this.#opts
    signal?.throwIfAborted()
    const { store } = this.#deps
    await store.putManifest(this.#manifest)
    const release = store.hold(this.#manifest)
    const onAbort = (): void => this.#abort.abort(signal?.reason)
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      const missing = await store.missingChunks(this.#manifest)
      for (const index of missing) this.#pool.add(index)
      const missingBytes = missing.reduce((n, i) => n + chunkLength(this.#manifest, i), 0)
      this.#have = this.#manifest.size - missingBytes
      if (this.#pool.size === 0) return this.#result()
      if (this.#sources.length === 0) {
        throw new HearthError('NO_MEMBER_REACHABLE', 'No member to fetch this file from.')
      }
      this.#emitProgress()
      return await new Promise<FetchResult>((resolve, reject) => {
        this.#resolve = resolve
        this.#reject = reject
        if (signal?.aborted === true) onAbort()
        this.#pumping = true
        this.pump()
      })
    } finally {
      signal?.removeEventListener('abort', onAbort)
      release()
    }
  }

  /** Cancels the fetch as if its signal had fired, with `reason`. */
  stop(reason: Error): void {
    this.#abort.abort(reason)
  }

  /** Starts whatever requests the window and the free slots allow; settles when it is over. */
  pump(): void {
    if (this.#settled || !this.#pumping) return
    if (!this.#stopping) {
      const { chunksPerRequest, maxChunksInFlight } = this.#deps.limits
      // One batch per source per round, so every source gets work before any gets more.
      let started = true
      while (started) {
        started = false
        for (const source of this.#sources) {
          const need = Math.min(chunksPerRequest, this.#pool.size)
          if (need === 0 || maxChunksInFlight - this.#outstanding < need) break
          if (source.dropped !== null) continue
          if (source.inFlight >= this.#deps.limits.streamsPerSource) continue
          if (!this.#hasWorkFor(source)) continue
          if (!this.#deps.slots.tryAcquire(source.key)) continue
          this.#start(source, this.#take(source))
          started = true
        }
      }
    }
    this.#checkEnd()
  }

  get #stopping(): boolean {
    return this.#abort.signal.aborted || this.#failure !== null
  }

  #hasWorkFor(source: Source): boolean {
    for (const index of this.#pool) if (!source.lacks.has(index)) return true
    return false
  }

  #take(source: Source): number[] {
    const batch: number[] = []
    for (const index of this.#pool) {
      if (source.lacks.has(index)) continue
      batch.push(index)
      if (batch.length === this.#deps.limits.chunksPerRequest) break
    }
    for (const index of batch) this.#pool.delete(index)
    return batch
  }

  #start(source: Source, batch: number[]): void {
    this.#outstanding += batch.length
    source.inFlight++
    this.#tasks++
    void this.#request(source, batch)
      .catch((err: unknown) => {
        // #request handles every failure of the source; reaching here is a bug of ours.
        this.#deps.log.error('fetching from %s failed unexpectedly - %e', source.key, err)
        this.#failure ??= err instanceof Error ? err : new Error(String(err))
      })
      .finally(() => {
        source.inFlight--
        this.#tasks--
        this.#deps.slots.release(source.key)
        this.pump()
      })
  }

  async #request(source: Source, batch: number[]): Promise<void> {
    const expected = new Set(batch)
    let outcome: Outcome
    let stream: Stream | undefined
    try {
      const dialSignal = AbortSignal.any([
        this.#abort.signal,
        AbortSignal.timeout(this.#deps.limits.dialTimeoutMs),
      ])
      stream = await this.#deps.openStream(source.peer, dialSignal)
      source.streams.add(stream)
      outcome = await this.#exchange(source, stream, expected)
    } catch (err) {
      outcome = this.#abort.signal.aborted
        ? { kind: 'aborted' }
        : { kind: 'drop', reason: `unreachable: ${errorText(err)}` }
    } finally {
      if (stream !== undefined) source.streams.delete(stream)
    }
    for (const index of expected) this.#pool.add(index)
    this.#outstanding -= expected.size
    if (outcome.kind === 'strike') {
      // Several streams of one source can fail together (a stall times out on each of them):
      // that is one offence.
      if (source.dropped === null) this.#deps.strike(source.key, outcome.reason)
      this.#drop(source, outcome.reason)
    } else if (outcome.kind === 'drop') {
      this.#drop(source, outcome.reason)
    }
  }

  /** Sends the request and reads the answer; resolves with how it went (it never rejects). */
  #exchange(source: Source, stream: Stream, expected: Set<number>): Promise<Outcome> {
    const { buffers } = this.#deps
    const decoder = new FrameDecoder(
      MAX_CHUNK_FRAME_BYTES,
      buffers === undefined ? {} : { allocate: (length) => buffers.take(length) },
    )
    const { chunkTimeoutMs } = this.#deps.limits
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
        this.#abort.signal.removeEventListener('abort', onAbort)
        if (abortWith !== undefined) stream.abort(abortWith)
        resolve(outcome)
      }
      const armTimer = (): void => {
        clearTimeout(timer)
        timer = setTimeout(() => {
          // Everything asked for arrived and only the closing is missing: no harm done.
          if (expected.size === 0) finish({ kind: 'ok' }, new Error('stream left open'))
          else {
            finish(
              { kind: 'strike', reason: `stalled: no chunk within ${chunkTimeoutMs} ms` },
              new Error('stalled'),
            )
          }
        }, chunkTimeoutMs)
      }
      const onMessage = (evt: { data: Uint8Array | Iterable<Uint8Array> }): void => {
        try {
          for (const frame of decoder.push(evt.data)) {
            const outcome = this.#onFrame(source, frame, expected)
            if (outcome !== null) {
              finish(outcome, new Error(outcome.reason))
              return
            }
            armTimer()
          }
        } catch (err) {
          if (err instanceof FrameError || err instanceof ProtocolError) {
            finish({ kind: 'strike', reason: err.message }, err)
            return
          }
          this.#deps.log.error('handling a response from %s failed - %e', source.key, err)
          finish({ kind: 'drop', reason: errorText(err) }, toError(err))
        }
      }
      const onEnd = (): void => {
        if (decoder.midFrame) finish({ kind: 'strike', reason: 'stream ended inside a frame' })
        else if (expected.size > 0) {
          finish({ kind: 'strike', reason: `ended without answering ${expected.size} chunks` })
        } else finish({ kind: 'ok' })
      }
      const onClose = (evt: { error?: Error }): void => {
        if (evt.error === undefined && expected.size === 0) finish({ kind: 'ok' })
        else finish({ kind: 'drop', reason: `stream closed: ${errorText(evt.error)}` })
      }
      const onAbort = (): void => finish({ kind: 'aborted' }, new Error('fetch cancelled'))
      stream.addEventListener('message', onMessage)
      stream.addEventListener('end', onEnd)
      stream.addEventListener('close', onClose)
      this.#abort.signal.addEventListener('abort', onAbort)
      if (this.#abort.signal.aborted) {
        finish({ kind: 'aborted' }, new Error('fetch cancelled'))
        return
      }
      if (source.dropped !== null) {
        // Dropped while we were dialing it (another of its streams misbehaved).
        finish({ kind: 'drop', reason: source.dropped }, new Error('source dropped'))
        return
      }
      armTimer()
      this.#sendRequest(stream, [...expected]).catch((err: unknown) => {
        finish({ kind: 'drop', reason: `request not sent: ${errorText(err)}` }, toError(err))
      })
    })
  }

  async #sendRequest(stream: Stream, chunks: number[]): Promise<void> {
    const payload = writeRequest({
      op: 'chunks',
      groupId: this.#opts.groupId,
      blobId: this.blobId,
      chunks,
    })
    const signal = AbortSignal.timeout(this.#deps.limits.chunkTimeoutMs)
    await sendAll(stream, encodeFrame(payload), { signal })
    // We send nothing more: half-close so the source knows the request is whole.
    await stream.close({ signal })
  }

  /** Handles one answer frame; returns why the source cannot help when it says so, else null. */
  #onFrame(
    source: Source,
    frame: Uint8Array,
    expected: Set<number>,
  ): { kind: 'drop'; reason: string } | null {
    const response = readResponse(frame)
    switch (response.type) {
      case FRAME_CHUNK: {
        const { index, bytes } = response
        if (!expected.has(index))
          throw new ProtocolError(`sent chunk ${index} it was not asked for`)
        const length = chunkLength(this.#manifest, index)
        if (bytes.length > length) throw new ProtocolError('sent more bytes than declared')
        if (bytes.length < length) throw new ProtocolError('sent a short chunk')
        expected.delete(index)
        void this.#store(source, index, bytes)
        return null
      }
      case FRAME_NO_CHUNK:
        if (!expected.delete(response.index)) {
          throw new ProtocolError(`answered chunk ${response.index} it was not asked for`)
        }
        source.lacks.add(response.index)
        this.#outstanding--
        this.#pool.add(response.index)
        return null
      case FRAME_REFUSED:
        return { kind: 'drop', reason: 'refused' }
      case FRAME_BUSY:
        return { kind: 'drop', reason: 'busy' }
      default:
        throw new ProtocolError(`sent frame type ${response.type} in answer to a chunk request`)
    }
  }

  /**
   * Hands a received chunk to the store, which hashes it before keeping it. Never rejects: a
   * chunk that does not match its hash drops (and strikes) its source and goes back to the pool;
   * any other failure is our disk (full, unplugged) and fails the whole fetch.
   */
  async #store(source: Source, index: number, bytes: Uint8Array): Promise<void> {
    const hash = this.#manifest.chunks[index] as string
    // The buffer can take the next chunk as soon as the store has written these bytes to the
    // file: holding it through the fsyncs too is what kept most of the window in memory.
    let given = false
    const giveBack = (): void => {
      if (given) return
      given = true
      this.#deps.buffers?.give(bytes)
    }
    this.#writing++
    try {
      await this.#deps.store.putChunk(hash, bytes, { onWritten: giveBack })
      source.bytes += bytes.length
      this.#fetched += bytes.length
      this.#have += bytes.length
      this.#rate.add(bytes.length)
      this.#emitProgress()
    } catch (err) {
      this.#pool.add(index)
      if (err instanceof ChunkMismatchError) {
        const reason = `sent chunk ${index} that does not match its hash`
        if (source.dropped === null) this.#deps.strike(source.key, reason)
        this.#drop(source, reason)
      } else {
        this.#deps.log.error('storing chunk %d of %s failed - %e', index, this.blobId, err)
        this.#failure ??= toError(err)
        this.#abort.abort(this.#failure)
      }
    } finally {
      // Refused, or failed before it was written: the store is done with the bytes all the same.
      giveBack()
      this.#writing--
      this.#outstanding--
      this.pump()
    }
  }

  #drop(source: Source, reason: string): void {
    if (source.dropped !== null) return
    source.dropped = reason
    this.#dropped.push({ peerId: source.key, reason })
    this.#deps.log('dropping %s as a source of %s: %s', source.key, this.blobId, reason)
    for (const stream of source.streams) stream.abort(new Error(`source dropped: ${reason}`))
  }

  #checkEnd(): void {
    if (this.#settled || this.#tasks > 0 || this.#writing > 0) return
    // No request is in flight and no chunk is being written: nothing moves.
    if (this.#abort.signal.aborted && this.#failure === null) {
      this.#settle(() => this.#reject(this.#opts.signal?.reason ?? this.#abort.signal.reason))
      return
    }
    if (this.#failure !== null) {
      const failure = this.#failure
      this.#settle(() => this.#reject(failure))
      return
    }
    if (this.#pool.size === 0) {
      this.#settled = true
      this.#deps.store.missingChunks(this.#manifest).then(
        (missing) => {
          if (missing.length === 0) this.#resolve(this.#result())
          else {
            this.#reject(
              new HearthError('STORAGE_FAILED', `${missing.length} fetched chunks went missing`),
            )
          }
        },
        (err: unknown) => this.#reject(err),
      )
      return
    }
    if (this.#sources.some((s) => s.dropped === null && this.#hasWorkFor(s))) {
      return // every slot to those sources is taken by other fetches; a release pumps us again
    }
    const detail = this.#dropped.map((d) => `${d.peerId.slice(-6)}: ${d.reason}`).join('; ')
    this.#settle(() =>
      this.#reject(
        new HearthError(
          'NO_MEMBER_REACHABLE',
          `${this.#pool.size} of ${this.#manifest.chunks.length} chunks could not be fetched` +
            (detail === '' ? '.' : ` (${detail}).`),
        ),
      ),
    )
  }

  #settle(fn: () => void): void {
    this.#settled = true
    fn()
  }

  #emitProgress(): void {
    const onProgress = this.#opts.onProgress
    if (onProgress === undefined) return
    try {
      onProgress({
        bytes: this.#have,
        total: this.#manifest.size,
        rate: this.#rate.rate(),
        sources: this.#sources.filter((s) => s.inFlight > 0).length,
      })
    } catch (err) {
      this.#deps.log.error('onProgress handler failed - %e', err)
    }
  }

  #result(): FetchResult {
    const bySource: Record<string, number> = {}
    for (const s of this.#sources) if (s.bytes > 0) bySource[s.key] = s.bytes
    return { blobId: this.blobId, fetchedBytes: this.#fetched, bySource, dropped: this.#dropped }
  }
}

function errorText(err: unknown): string {
  if (err === undefined) return 'closed early'
  return err instanceof Error ? err.message : String(err)
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
