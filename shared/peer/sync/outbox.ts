// The writer side of one peer's send-only stream: a FIFO of messages, written part by part while
// the muxer accepts data and paused while it does not (until the stream's queue is empty:
// back-pressure.ts). The queue is bounded: a peer that
// cannot keep up gets its queue dropped and a resync later, instead of us buffering without end.
import { sendAll } from '../back-pressure.ts'
import { encodeFrame } from './frames.ts'
import type { SendingStream } from '../back-pressure.ts'
import type { Logger, MessageStream } from '@libp2p/interface'

export interface OutgoingMessage {
  groupId: string
  /** Payload bytes, for the queue bound. */
  bytes: number
  /** Frame payloads, produced lazily so a large update is never copied whole. */
  frames(): Iterable<Uint8Array>
}

/** What the outbox needs of a stream. */
export type SendStream = SendingStream & Pick<MessageStream, 'abort'>

export interface OutboxOptions {
  maxQueuedBytes: number
  drainTimeoutMs: number
  log: Logger
  /** The queue was dropped; these groups lost messages and need a resync. */
  onOverflow(groups: Set<string>): void
  /** The stream is gone (closed, reset, stalled); nothing more will be sent. */
  onClosed(err?: Error): void
}

export class Outbox {
  readonly #opts: OutboxOptions
  readonly #queue: OutgoingMessage[] = []
  #queuedBytes = 0
  #stream: SendStream | null = null
  #busy = false
  #closed = false

  constructor(opts: OutboxOptions) {
    this.#opts = opts
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Its stream is open: what is pushed now is written in order, unless the stream breaks. */
  get ready(): boolean {
    return this.#stream !== null && !this.#closed && this.#stream.status === 'open'
  }

  /** Bytes waiting behind the message being written. */
  get queuedBytes(): number {
    return this.#queuedBytes
  }

  /** Hands over the opened stream and starts writing what queued up meanwhile. */
  attach(stream: SendStream): void {
    if (this.#closed) {
      stream.abort(new Error('outbox closed before its stream opened'))
      return
    }
    this.#stream = stream
    stream.addEventListener('close', (evt) => this.#finish(evt.error), { once: true })
    void this.#pump()
  }

  push(msg: OutgoingMessage): void {
    if (this.#closed) return
    const busy = this.#busy || this.#queue.length > 0
    if (busy && this.#queuedBytes + msg.bytes > this.#opts.maxQueuedBytes) {
      const groups = new Set(this.#queue.map((m) => m.groupId))
      groups.add(msg.groupId)
      this.#opts.log(
        'send queue over %d bytes, dropping it for a resync',
        this.#opts.maxQueuedBytes,
      )
      this.#queue.length = 0
      this.#queuedBytes = 0
      this.#opts.onOverflow(groups)
      return
    }
    this.#queue.push(msg)
    this.#queuedBytes += msg.bytes
    void this.#pump()
  }

  /** Stops sending; the stream is aborted if it is still open. */
  abort(err: Error): void {
    if (this.#stream !== null && this.#stream.status === 'open') this.#stream.abort(err)
    this.#finish(err)
  }

  async #pump(): Promise<void> {
    const stream = this.#stream
    if (stream === null || this.#busy || this.#closed) return
    this.#busy = true
    try {
      let msg: OutgoingMessage | undefined
      while ((msg = this.#queue.shift()) !== undefined) {
        this.#queuedBytes -= msg.bytes
        for (const payload of msg.frames()) {
          if (this.#closed) return
          await sendAll(stream, encodeFrame(payload), {
            signal: AbortSignal.timeout(this.#opts.drainTimeoutMs),
          })
        }
      }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err))
      this.#opts.log.error('sending failed, closing the stream - %e', error)
      this.abort(error)
    } finally {
      this.#busy = false
    }
  }

  #finish(err?: Error): void {
    if (this.#closed) return
    this.#closed = true
    this.#queue.length = 0
    this.#queuedBytes = 0
    this.#opts.onClosed(err)
  }
}
