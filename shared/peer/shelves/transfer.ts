// /hearth/blob/2.0.0 as a libp2p service: serves chunks, manifests and whole small blobs of the
// blobs on our shelves to members who may read them, and fetches blobs from them (fetcher.ts;
// small ones in batches, small-fetcher.ts). A peer that shares no
// group with us has the stream reset before we read or send a byte. For a member, the host
// decides who may read what (a member of the group, and the blob on that group's shelf) before
// we send a byte of it; a request it may not make gets one REFUSED frame with no detail.
import { GroupId, HearthError } from '../../api/index.ts'
import { sendAll } from '../back-pressure.ts'
import { FrameError, encodeFrame, readOneFrame } from '../sync/frames.ts'
import { ChunkBuffers } from './chunk-buffers.ts'
import { BlobFetch } from './fetcher.ts'
import {
  CHUNK_SIZE,
  ManifestError,
  checkManifest,
  encodeManifest,
  isHexHash,
  verifiedManifest,
} from './manifest.ts'
import { PeerSlots } from './peer-slots.ts'
import { SmallFetches } from './small-fetcher.ts'
import {
  BLOB_PROTOCOL,
  FRAME_BUSY,
  FRAME_MANIFEST,
  FRAME_NO_BLOB,
  FRAME_NO_CHUNK,
  FRAME_NO_MANIFEST,
  FRAME_REFUSED,
  MAX_MANIFEST_FRAME_BYTES,
  MAX_REQUEST_BYTES,
  ProtocolError,
  blobFrameHead,
  chunkFrameHead,
  readRequest,
  readResponse,
  writeRequest,
  writeResponse,
} from './wire.ts'
import type { FetchBlobOptions, FetchLimits, FetchResult, FetchStore } from './fetcher.ts'
import type { Manifest } from './manifest.ts'
import type {
  FetchSmallOptions,
  SmallFetchLimits,
  SmallFetchResult,
  SmallFetchStore,
} from './small-fetcher.ts'
import type { BlobRequest } from './wire.ts'
import type {
  AbortOptions,
  ComponentLogger,
  Connection,
  Logger,
  PeerId,
  Startable,
  Stream,
  StreamHandler,
  StreamHandlerOptions,
} from '@libp2p/interface'

/** Who may read what. Implemented by the peer over its groups and their shelf indexes. */
export interface BlobHost {
  /** True if peerId is a member of at least one group we are in: anyone else is a stranger. */
  sharesAGroup(peerId: string): boolean
  /** True only if peerId is a member of groupId AND blobId is on that group's shelf. */
  mayRead(groupId: string, peerId: string, blobId: string): boolean
}

/** What serving needs from the blob store (BlobStore implements it). */
export interface ServeStore {
  getManifest(blobId: string): Promise<Manifest | null>
  readChunk(hash: string): Promise<Uint8Array | null>
}

export type TransferStore = ServeStore & FetchStore & SmallFetchStore

export interface TransferLimits extends FetchLimits, SmallFetchLimits {
  /** Streams one peer may have open with us at once (serving), and we with it (fetching). */
  maxStreamsPerPeer: number
  /** Streams we serve at once, from all peers together. */
  maxServingStreams: number
  /** A request must arrive this soon after the stream opens. */
  requestTimeoutMs: number
  /** The reader must take more of our data within this time. */
  drainTimeoutMs: number
}

// Memory: serving holds at most two chunks per stream (the one being sent and the one read
// ahead; ≤ 64 MiB at the global cap); a fetch holds at most maxChunksInFlight chunks (32 MiB)
// whatever the number of sources. Four streams of eight chunks keep a link busy: while one
// request is being set up, three are being answered. Small blobs: 32 per request (≤ 4 MiB), at
// most 16 MiB of them asked for and not yet stored.
export const defaultTransferLimits: TransferLimits = {
  streamsPerSource: 4,
  chunksPerRequest: 8,
  maxChunksInFlight: 32,
  blobsPerRequest: 32,
  smallBytesPerRequest: 4 * 1024 * 1024,
  maxSmallBytesInFlight: 16 * 1024 * 1024,
  chunkTimeoutMs: 30_000,
  dialTimeoutMs: 10_000,
  maxStreamsPerPeer: 4,
  maxServingStreams: 32,
  requestTimeoutMs: 10_000,
  drainTimeoutMs: 30_000,
}

export interface ServedChunk {
  peerId: string
  blobId: string
  index: number
  bytes: number
}

export interface BlobTransferInit {
  store: TransferStore
  host: BlobHost
  /** A peer broke the protocol or sent bad data; the caller keeps the score. */
  onStrike?(peerId: string, reason: string): void
  /** A chunk went out to a peer (for usage figures and tests). */
  onServed?(chunk: ServedChunk): void
  limits?: Partial<TransferLimits>
}

export interface FetchManifestOptions {
  groupId: string
  blobId: string
  sources: PeerId[]
  signal?: AbortSignal
}

export interface BlobTransfer extends Startable {
  /** Fetches the blob's missing chunks; resolves once every chunk is verified on disk. */
  fetchBlob(opts: FetchBlobOptions): Promise<FetchResult>
  /** The blob's manifest: ours if we hold it, else from the first source that has it. */
  fetchManifest(opts: FetchManifestOptions): Promise<Manifest>
  /**
   * Fetches a whole blob of at most one chunk, batched with the other small blobs wanted from
   * the same sources; resolves once it is verified and durable.
   */
  fetchSmall(opts: FetchSmallOptions): Promise<SmallFetchResult>
  /** A small blob queued by fetchSmall goes ahead of the others (a person asked for it). */
  promoteSmall(blobId: string): void
}

export interface BlobTransferComponents {
  peerId: PeerId
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string): Promise<void>
  }
  connectionManager: {
    openStream(
      peer: PeerId,
      protocol: string,
      options?: AbortOptions & { maxOutboundStreams?: number; negotiateFully?: boolean },
    ): Promise<Stream>
  }
  logger: ComponentLogger
}

export function blobTransfer(
  init: BlobTransferInit,
): (components: BlobTransferComponents) => BlobTransfer {
  return (components) => new BlobTransferService(components, init)
}

/** Room in libp2p's per-connection stream limit beyond our own slots (streams still closing). */
const EXTRA_STREAMS = 2

class BlobTransferService implements BlobTransfer {
  readonly [Symbol.toStringTag] = '@hearth/blob-transfer'
  readonly #components: BlobTransferComponents
  readonly #init: BlobTransferInit
  readonly #limits: TransferLimits
  readonly #log: Logger
  readonly #serving: PeerSlots
  readonly #fetching: PeerSlots
  readonly #fetches = new Set<BlobFetch>()
  /** A few chunk buffers kept between chunks while fetches run (chunk-buffers.ts). */
  readonly #buffers = new ChunkBuffers(8)
  readonly #small: SmallFetches
  #running = false

  constructor(components: BlobTransferComponents, init: BlobTransferInit) {
    this.#components = components
    this.#init = init
    this.#limits = { ...defaultTransferLimits, ...init.limits }
    this.#log = components.logger.forComponent('hearth:blob')
    this.#serving = new PeerSlots(this.#limits.maxStreamsPerPeer, this.#limits.maxServingStreams)
    this.#fetching = new PeerSlots(this.#limits.maxStreamsPerPeer, Number.POSITIVE_INFINITY, () => {
      for (const fetch of [...this.#fetches]) fetch.pump()
      this.#small.pump()
    })
    this.#small = new SmallFetches({
      store: this.#init.store,
      limits: this.#limits,
      slots: this.#fetching,
      log: this.#log,
      self: components.peerId.toString(),
      openStream: (peer, signal) => this.#openStream(peer, signal),
      strike: (peerId, reason) => this.#strike(peerId, reason),
    })
  }

  async start(): Promise<void> {
    this.#running = true
    const perConnection = this.#limits.maxStreamsPerPeer + EXTRA_STREAMS
    await this.#components.registrar.handle(
      BLOB_PROTOCOL,
      (stream, connection) => {
        void this.#serve(stream, connection)
      },
      { maxInboundStreams: perConnection, maxOutboundStreams: perConnection },
    )
  }

  async stop(): Promise<void> {
    this.#running = false
    await this.#components.registrar.unhandle(BLOB_PROTOCOL)
    for (const fetch of this.#fetches) {
      fetch.stop(new HearthError('PEER_STOPPED', 'The peer stopped during the transfer.'))
    }
    this.#small.stop(new HearthError('PEER_STOPPED', 'The peer stopped during the transfer.'))
  }

  // ── fetching ──────────────────────────────────────────────────────────────────────────

  async fetchBlob(opts: FetchBlobOptions): Promise<FetchResult> {
    if (!this.#running) throw new HearthError('PEER_STOPPED', 'The peer is not running.')
    checkGroupId(opts.groupId)
    try {
      checkManifest(opts.manifest)
    } catch (err) {
      throw new HearthError('BAD_INPUT', `Not a file manifest: ${String(err)}`)
    }
    const fetch = new BlobFetch(
      {
        store: this.#init.store,
        limits: this.#limits,
        buffers: this.#buffers,
        slots: this.#fetching,
        log: this.#log,
        openStream: (peer, signal) => this.#openStream(peer, signal),
        strike: (peerId, reason) => this.#strike(peerId, reason),
      },
      opts,
      this.#components.peerId.toString(),
    )
    this.#fetches.add(fetch)
    try {
      return await fetch.run()
    } finally {
      this.#fetches.delete(fetch)
      if (this.#fetches.size === 0) this.#buffers.clear()
    }
  }

  async fetchSmall(opts: FetchSmallOptions): Promise<SmallFetchResult> {
    if (!this.#running) throw new HearthError('PEER_STOPPED', 'The peer is not running.')
    checkGroupId(opts.groupId)
    if (!isHexHash(opts.blobId)) throw new HearthError('BAD_INPUT', 'Not a file id.')
    if (!Number.isSafeInteger(opts.size) || opts.size < 0 || opts.size > CHUNK_SIZE) {
      throw new HearthError('BAD_INPUT', 'Not a small file.')
    }
    return this.#small.fetch(opts)
  }

  promoteSmall(blobId: string): void {
    this.#small.promote(blobId)
  }

  async fetchManifest(opts: FetchManifestOptions): Promise<Manifest> {
    checkGroupId(opts.groupId)
    if (!isHexHash(opts.blobId)) throw new HearthError('BAD_INPUT', 'Not a file id.')
    const local = await this.#init.store.getManifest(opts.blobId)
    if (local !== null) return local
    const tried = new Map<string, string>([[this.#components.peerId.toString(), 'ourselves']])
    for (const peer of opts.sources) {
      const key = peer.toString()
      if (tried.has(key)) continue
      opts.signal?.throwIfAborted()
      const answer = await this.#askManifest(peer, opts)
      if (typeof answer !== 'string') {
        await this.#init.store.putManifest(answer)
        return answer
      }
      tried.set(key, answer)
    }
    opts.signal?.throwIfAborted()
    tried.delete(this.#components.peerId.toString())
    const detail = [...tried].map(([key, why]) => `${key.slice(-6)}: ${why}`).join('; ')
    throw new HearthError(
      'NO_MEMBER_REACHABLE',
      `No member sent this file's manifest${detail === '' ? '' : ` (${detail})`}.`,
    )
  }

  /** The verified manifest, or why this source did not give one. */
  async #askManifest(peer: PeerId, opts: FetchManifestOptions): Promise<Manifest | string> {
    const key = peer.toString()
    const cancel = opts.signal === undefined ? [] : [opts.signal]
    let stream: Stream | undefined
    let holding = false
    try {
      // Shares our per-peer stream budget with the chunk fetches, waiting for a slot.
      await this.#fetching.acquire(key, opts.signal)
      holding = true
      stream = await this.#openStream(
        peer,
        AbortSignal.any([...cancel, AbortSignal.timeout(this.#limits.dialTimeoutMs)]),
      )
      const signal = AbortSignal.any([...cancel, AbortSignal.timeout(this.#limits.chunkTimeoutMs)])
      const payload = writeRequest({ op: 'manifest', groupId: opts.groupId, blobId: opts.blobId })
      await sendAll(stream, encodeFrame(payload), { signal })
      await stream.close({ signal })
      const response = readResponse(
        await readOneFrame(stream, MAX_MANIFEST_FRAME_BYTES, { signal }),
      )
      switch (response.type) {
        case FRAME_MANIFEST:
          return verifiedManifest(opts.blobId, response.bytes)
        case FRAME_REFUSED:
          return 'refused'
        case FRAME_NO_MANIFEST:
          return 'does not have it'
        case FRAME_BUSY:
          return 'busy'
        default:
          throw new ProtocolError(`sent frame type ${response.type} for a manifest request`)
      }
    } catch (err) {
      stream?.abort(err instanceof Error ? err : new Error(String(err)))
      if (
        err instanceof FrameError ||
        err instanceof ProtocolError ||
        err instanceof ManifestError
      ) {
        this.#strike(key, `bad manifest answer: ${err.message}`)
      } else {
        this.#log('no manifest from %s - %e', key, err)
      }
      return err instanceof Error ? err.message : String(err)
    } finally {
      if (holding) this.#fetching.release(key)
    }
  }

  #openStream(peer: PeerId, signal: AbortSignal): Promise<Stream> {
    return this.#components.connectionManager.openStream(peer, BLOB_PROTOCOL, {
      signal,
      maxOutboundStreams: this.#limits.maxStreamsPerPeer + EXTRA_STREAMS,
      // Every request opens a stream: send the protocol id and the request in one message
      // instead of waiting a round trip for the protocol to be agreed first.
      negotiateFully: false,
    })
  }

  // ── serving ───────────────────────────────────────────────────────────────────────────

  async #serve(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    if (!this.#running) {
      stream.abort(new Error('blob transfer stopped'))
      return
    }
    if (!this.#sharesAGroup(peer)) {
      this.#log('refusing a blob stream from %s, who shares no group with us', peer)
      stream.abort(new Error('not a member of any group we are in'))
      return
    }
    if (!this.#serving.tryAcquire(peer)) {
      this.#log('too many blob streams, telling %s we are busy', peer)
      await this.#answer(stream, peer, [encodeFrame(writeResponse({ type: FRAME_BUSY }))])
      return
    }
    try {
      const request = await this.#readRequest(stream, peer)
      if (request === null) return
      if (request.op === 'blobs') {
        // The gate runs for every blob before anything is read from disk: one the peer may not
        // read is answered as one we do not have; none at all, as any refused request.
        const readable = request.blobIds.map((b) => this.#mayRead(request.groupId, peer, b))
        if (!readable.includes(true)) {
          this.#log('refusing %d blobs of group %s to %s', readable.length, request.groupId, peer)
          await this.#answer(stream, peer, [encodeFrame(writeResponse({ type: FRAME_REFUSED }))])
          return
        }
        await this.#answer(stream, peer, this.#blobFrames(peer, request.blobIds, readable))
        return
      }
      if (!this.#mayRead(request.groupId, peer, request.blobId)) {
        this.#log('refusing blob %s of group %s to %s', request.blobId, request.groupId, peer)
        await this.#answer(stream, peer, [encodeFrame(writeResponse({ type: FRAME_REFUSED }))])
        return
      }
      if (request.op === 'manifest') {
        const manifest = await this.#manifest(request.blobId)
        const response =
          manifest === null
            ? writeResponse({ type: FRAME_NO_MANIFEST })
            : writeResponse({ type: FRAME_MANIFEST, bytes: encodeManifest(manifest) })
        await this.#answer(stream, peer, [encodeFrame(response)])
        return
      }
      await this.#answer(stream, peer, this.#chunkFrames(peer, request))
    } finally {
      this.#serving.release(peer)
    }
  }

  /** The request, or null when there was none worth answering (the stream is closed then). */
  async #readRequest(stream: Stream, peer: string): Promise<BlobRequest | null> {
    try {
      const signal = AbortSignal.timeout(this.#limits.requestTimeoutMs)
      return readRequest(await readOneFrame(stream, MAX_REQUEST_BYTES, { signal }))
    } catch (err) {
      if (err instanceof FrameError || err instanceof ProtocolError) {
        this.#strike(peer, `bad blob request: ${err.message}`)
      } else {
        this.#log('no blob request from %s - %e', peer, err)
      }
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      return null
    }
  }

  /**
   * The request's frames, each chunk read from disk while the one before it is being sent (one
   * chunk of read-ahead), and sent as a small head plus the chunk's own bytes.
   */
  async *#chunkFrames(
    peer: string,
    request: Extract<BlobRequest, { op: 'chunks' }>,
  ): AsyncGenerator<Uint8Array> {
    const manifest = await this.#manifest(request.blobId)
    const read = (at: number): Promise<Uint8Array | null> => {
      const index = request.chunks[at]
      const hash = index === undefined ? undefined : manifest?.chunks[index]
      return hash === undefined ? Promise.resolve(null) : this.#readChunk(hash)
    }
    let next = read(0)
    for (const [at, index] of request.chunks.entries()) {
      const bytes = await next
      // #readChunk never rejects, so a read left behind by an aborted stream is harmless.
      next = read(at + 1)
      if (bytes === null) {
        yield encodeFrame(writeResponse({ type: FRAME_NO_CHUNK, index }))
        continue
      }
      yield chunkFrameHead(index, bytes.length)
      yield bytes
      this.#served({ peerId: peer, blobId: request.blobId, index, bytes: bytes.length })
    }
  }

  /**
   * The answer to a `blobs` request, in request order: each readable blob we hold whole and of
   * at most one chunk as its manifest and bytes, anything else as NO_BLOB. One blob is read
   * ahead of the one being sent.
   */
  async *#blobFrames(
    peer: string,
    blobIds: readonly string[],
    readable: readonly boolean[],
  ): AsyncGenerator<Uint8Array> {
    const read = async (at: number): Promise<{ manifest: Manifest; bytes: Uint8Array } | null> => {
      const blobId = blobIds[at]
      if (blobId === undefined || readable[at] !== true) return null
      const manifest = await this.#manifest(blobId)
      if (manifest === null || manifest.chunks.length > 1) return null
      const hash = manifest.chunks[0]
      const bytes = hash === undefined ? new Uint8Array(0) : await this.#readChunk(hash)
      return bytes === null || bytes.length !== manifest.size ? null : { manifest, bytes }
    }
    let next = read(0)
    for (const [at, blobId] of blobIds.entries()) {
      const blob = await next
      // read() never rejects (#manifest and #readChunk do not), so one left behind is harmless.
      next = read(at + 1)
      if (blob === null) {
        yield encodeFrame(writeResponse({ type: FRAME_NO_BLOB, position: at }))
        continue
      }
      yield blobFrameHead(at, encodeManifest(blob.manifest), blob.bytes.length)
      if (blob.bytes.length > 0) yield blob.bytes
      this.#served({ peerId: peer, blobId, index: 0, bytes: blob.bytes.length })
    }
  }

  /**
   * Sends frames with back-pressure (each waits until the one before it has left the stream's
   * queue: back-pressure.ts), then closes; any failure aborts the stream.
   */
  async #answer(
    stream: Stream,
    peer: string,
    frames: Iterable<Uint8Array> | AsyncIterable<Uint8Array>,
  ): Promise<void> {
    try {
      for await (const frame of frames) {
        if (!this.#running) throw new Error('blob transfer stopped')
        await sendAll(stream, frame, { signal: AbortSignal.timeout(this.#limits.drainTimeoutMs) })
      }
      await stream.close({ signal: AbortSignal.timeout(this.#limits.drainTimeoutMs) })
    } catch (err) {
      this.#log('blob stream with %s ended early - %e', peer, err)
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  async #manifest(blobId: string): Promise<Manifest | null> {
    try {
      return await this.#init.store.getManifest(blobId)
    } catch (err) {
      this.#log.error('reading manifest %s failed - %e', blobId, err)
      return null
    }
  }

  async #readChunk(hash: string): Promise<Uint8Array | null> {
    try {
      return await this.#init.store.readChunk(hash)
    } catch (err) {
      this.#log.error('reading chunk %s failed - %e', hash, err)
      return null
    }
  }

  #sharesAGroup(peer: string): boolean {
    try {
      return this.#init.host.sharesAGroup(peer)
    } catch (err) {
      this.#log.error('membership check for %s failed - %e', peer, err)
      return false
    }
  }

  #mayRead(groupId: string, peer: string, blobId: string): boolean {
    try {
      return this.#init.host.mayRead(groupId, peer, blobId)
    } catch (err) {
      this.#log.error('read check for %s in %s failed - %e', blobId, groupId, err)
      return false
    }
  }

  #served(chunk: ServedChunk): void {
    try {
      this.#init.onServed?.(chunk)
    } catch (err) {
      this.#log.error('onServed handler failed - %e', err)
    }
  }

  #strike(peerId: string, reason: string): void {
    this.#log('strike for %s: %s', peerId, reason)
    try {
      this.#init.onStrike?.(peerId, reason)
    } catch (err) {
      this.#log.error('onStrike handler failed - %e', err)
    }
  }
}

function checkGroupId(groupId: string): void {
  if (!GroupId.safeParse(groupId).success) throw new HearthError('BAD_INPUT', 'Not a group id.')
}
