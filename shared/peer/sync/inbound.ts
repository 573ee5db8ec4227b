// The reader side of one peer's sync stream: bytes → frames → messages → whole updates.
// Everything here is synchronous inside the stream's 'message' event, so at most one socket
// chunk plus one partial frame and one partial update are ever held. A frame or an update that
// has started must keep making progress, or the stream is closed (a stalled peer holds memory).
import { FrameDecoder, FrameError } from './frames.ts'
import {
  MSG_AUTHOR_UPDATE,
  MSG_SYNC_STEP1,
  MSG_UPDATE,
  ProtocolError,
  readSyncMessage,
} from './messages.ts'
import { Reassembler } from './reassembly.ts'
import type { SyncStep1, UpdatePart } from './messages.ts'
import type { Logger, MessageStream } from '@libp2p/interface'

export interface InboundOptions {
  maxFrameBytes: number
  maxUpdateBytes: number
  stallTimeoutMs: number
  log: Logger
  onStep1(msg: SyncStep1): void
  /**
   * Asked on the first part of every update: keep it (true) or only count its parts (false).
   * Keeping reserves `total` bytes until `release` is called with the same number.
   */
  admit(type: UpdatePart['type'], groupId: string, total: number): boolean
  /** `sentTo`: the author's recipient tags, when the update came whole from its author. */
  onUpdate(
    type: UpdatePart['type'],
    groupId: string,
    update: Uint8Array,
    sentTo?: ReadonlySet<string>,
  ): void
  /** A kept update is done with (applied, or cut off by the stream closing). */
  release(total: number): void
  /** The peer broke the protocol; the stream has been aborted. */
  onMalformed(reason: string): void
  onClosed(): void
}

export class InboundReader {
  readonly stream: MessageStream
  readonly #opts: InboundOptions
  readonly #decoder: FrameDecoder
  readonly #parts: Reassembler
  #stallTimer: ReturnType<typeof setTimeout> | null = null
  #done = false

  constructor(stream: MessageStream, opts: InboundOptions) {
    this.stream = stream
    this.#opts = opts
    this.#decoder = new FrameDecoder(opts.maxFrameBytes)
    this.#parts = new Reassembler(opts.maxUpdateBytes)
    stream.addEventListener('message', (evt) => this.#onData(evt.data))
    stream.addEventListener('remoteCloseWrite', () => this.#onRemoteEnd())
    stream.addEventListener('close', () => this.#finish(), { once: true })
  }

  /** Closes the stream from our side (e.g. the host rejected an update). */
  abort(err: Error): void {
    this.#finish()
    this.stream.abort(err)
  }

  get #midMessage(): boolean {
    return this.#decoder.midFrame || this.#parts.inProgress
  }

  #onData(data: Uint8Array | Iterable<Uint8Array>): void {
    if (this.#done) return
    try {
      for (const frame of this.#decoder.push(data)) {
        this.#onFrame(frame)
        if (this.#done) return
      }
    } catch (err) {
      if (err instanceof FrameError || err instanceof ProtocolError) {
        this.#malformed(err.message)
        return
      }
      // Our own bug, not the peer's: no strike, but never let it escape an event listener.
      this.#opts.log.error('sync input handling failed - %e', err)
      this.abort(err instanceof Error ? err : new Error(String(err)))
      return
    }
    this.#armStall()
  }

  #onFrame(frame: Uint8Array): void {
    const msg = readSyncMessage(frame)
    if (msg.type === MSG_SYNC_STEP1) {
      if (this.#parts.inProgress) throw new ProtocolError('a step 1 inside an unfinished update')
      this.#opts.onStep1(msg)
      return
    }
    if (msg.type === MSG_AUTHOR_UPDATE) {
      if (this.#parts.inProgress) throw new ProtocolError('an update inside an unfinished update')
      const { groupId, update, sentTo } = msg
      if (update.length > this.#opts.maxUpdateBytes) throw new ProtocolError('update too large')
      // Whole in one frame, so it needs no reassembly; the gate and the budget still apply.
      if (!this.#opts.admit(MSG_UPDATE, groupId, update.length)) return
      try {
        this.#opts.onUpdate(MSG_UPDATE, groupId, update, sentTo)
      } finally {
        this.#opts.release(update.length)
      }
      return
    }
    const result = this.#parts.push(msg, () => this.#opts.admit(msg.type, msg.groupId, msg.total))
    if (result.kind !== 'complete') return
    try {
      this.#opts.onUpdate(result.type, result.groupId, result.update)
    } finally {
      this.#opts.release(result.update.length)
    }
  }

  #onRemoteEnd(): void {
    if (this.#done) return
    if (this.#midMessage) {
      this.#malformed('stream ended inside a frame or an update')
      return
    }
    this.#clearStall()
    // The peer is done sending; close our (unused) half so the stream is released.
    this.stream.close().catch((err: unknown) => {
      this.#opts.log('closing a finished sync stream failed - %e', err)
    })
  }

  #malformed(reason: string): void {
    if (this.#done) return
    this.#opts.log('malformed sync input: %s', reason)
    this.abort(new ProtocolError(reason))
    this.#opts.onMalformed(reason)
  }

  /** Runs once, however the stream ends. */
  #finish(): void {
    if (this.#done) return
    this.#done = true
    this.#clearStall()
    const held = this.#parts.heldTotal
    if (held > 0) this.#opts.release(held)
    this.#opts.onClosed()
  }

  #armStall(): void {
    this.#clearStall()
    if (!this.#midMessage) return
    this.#stallTimer = setTimeout(() => {
      this.#stallTimer = null
      if (this.#done) return
      this.#opts.log('sync stream stalled inside a frame or an update, closing it')
      this.abort(new Error('stalled inside a frame or an update'))
    }, this.#opts.stallTimeoutMs)
    this.#stallTimer.unref()
  }

  #clearStall(): void {
    if (this.#stallTimer !== null) clearTimeout(this.#stallTimer)
    this.#stallTimer = null
  }
}
