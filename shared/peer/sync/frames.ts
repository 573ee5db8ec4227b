// Length-prefixed frames: an unsigned LEB128 varint byte count, then that many bytes.
// The prefix is checked against the cap before the body is allocated, so a peer that claims
// a 4 GiB frame costs us a few bytes, never a 4 GiB buffer.
import type { AbortOptions, MessageStream } from '@libp2p/interface'

/** The peer broke the framing rules; the stream must be aborted and the peer penalised. */
export class FrameError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'FrameError'
  }
}

/** Bytes needed to encode `n` as an unsigned varint. */
export function varintLength(n: number): number {
  let len = 1
  while (n >= 0x80) {
    n = Math.floor(n / 0x80)
    len++
  }
  return len
}

/** Writes `n` (a safe non-negative integer) as an unsigned varint into `out` at `offset`. */
export function writeVarint(n: number, out: Uint8Array, offset: number): number {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`cannot encode ${n} as a varint`)
  let pos = offset
  while (n >= 0x80) {
    out[pos++] = (n % 0x80) | 0x80
    n = Math.floor(n / 0x80)
  }
  out[pos++] = n
  return pos - offset
}

/** `payload` with its length prefix, ready for `stream.send`. */
export function encodeFrame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(varintLength(payload.length) + payload.length)
  const prefix = writeVarint(payload.length, out, 0)
  out.set(payload, prefix)
  return out
}

type Chunk = Uint8Array | Iterable<Uint8Array>

export interface FrameDecoderOptions {
  /**
   * Where a frame's body goes: a buffer of exactly `length` bytes whose contents may be
   * anything (the decoder overwrites all of it before the frame is handed out). Default: a new
   * zeroed buffer. The shelf fetcher passes reused chunk buffers (shelves/chunk-buffers.ts).
   */
  allocate?(length: number): Uint8Array
  /**
   * A further cap for each frame by its number (0 for the first): a reader that knows what
   * each next frame may hold refuses a larger one before allocating it.
   */
  capOf?: (frame: number) => number
}

/**
 * Incremental decoder: feed it whatever the transport delivers, get whole frames back.
 * Holds at most one partial frame (≤ maxFrameBytes) plus a partial prefix.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number
  readonly #maxPrefixBytes: number
  readonly #allocate: (length: number) => Uint8Array
  #prefixValue = 0
  #prefixBytes = 0
  #scale = 1
  #body: Uint8Array | null = null
  #filled = 0
  readonly #capOf: ((frame: number) => number) | undefined
  #frames = 0

  constructor(maxFrameBytes: number, options: FrameDecoderOptions = {}) {
    if (!Number.isSafeInteger(maxFrameBytes) || maxFrameBytes < 1) {
      throw new RangeError('maxFrameBytes must be a positive integer')
    }
    this.maxFrameBytes = maxFrameBytes
    this.#maxPrefixBytes = varintLength(maxFrameBytes)
    this.#allocate = options.allocate ?? ((length) => new Uint8Array(length))
    this.#capOf = options.capOf
  }

  /** True while part of a frame (prefix or body) has been received but not all of it. */
  get midFrame(): boolean {
    return this.#prefixBytes > 0 || this.#body !== null
  }

  /** Decodes every complete frame in `chunk`; throws FrameError when the peer breaks the rules. */
  push(chunk: Chunk): Uint8Array[] {
    const frames: Uint8Array[] = []
    if (chunk instanceof Uint8Array) this.#consume(chunk, frames)
    else for (const part of chunk) this.#consume(part, frames)
    return frames
  }

  #consume(buf: Uint8Array, frames: Uint8Array[]): void {
    let pos = 0
    while (pos < buf.length) {
      if (this.#body === null) {
        const byte = buf[pos++] as number
        this.#prefixValue += (byte & 0x7f) * this.#scale
        this.#scale *= 0x80
        this.#prefixBytes++
        if (byte & 0x80) {
          if (this.#prefixBytes >= this.#maxPrefixBytes) {
            throw new FrameError(`length prefix longer than ${this.#maxPrefixBytes} bytes`)
          }
          continue
        }
        const length = this.#prefixValue
        this.#prefixValue = 0
        this.#prefixBytes = 0
        this.#scale = 1
        const cap = Math.min(this.maxFrameBytes, this.#capOf?.(this.#frames) ?? Infinity)
        this.#frames++
        if (length > cap) {
          throw new FrameError(`frame of ${length} bytes exceeds the ${cap} cap`)
        }
        if (length === 0) {
          frames.push(new Uint8Array(0))
          continue
        }
        this.#body = this.#allocate(length)
        this.#filled = 0
        continue
      }
      const take = Math.min(this.#body.length - this.#filled, buf.length - pos)
      this.#body.set(buf.subarray(pos, pos + take), this.#filled)
      this.#filled += take
      pos += take
      if (this.#filled === this.#body.length) {
        frames.push(this.#body)
        this.#body = null
        this.#filled = 0
      }
    }
  }
}

/**
 * Reads exactly one frame from a request/response stream. Rejects with FrameError on bad
 * framing, on bytes after the frame, or when the remote closes mid-frame; with the signal's
 * reason on timeout.
 */
export function readOneFrame(
  stream: MessageStream,
  maxFrameBytes: number,
  options: Required<AbortOptions>,
): Promise<Uint8Array> {
  const decoder = new FrameDecoder(maxFrameBytes)
  const { signal } = options
  return new Promise<Uint8Array>((resolve, reject) => {
    const cleanup = (): void => {
      stream.removeEventListener('message', onMessage)
      stream.removeEventListener('remoteCloseWrite', onEnd)
      stream.removeEventListener('close', onClose)
      signal.removeEventListener('abort', onAbort)
    }
    const fail = (err: Error): void => {
      cleanup()
      reject(err)
    }
    const onMessage = (evt: { data: Chunk }): void => {
      try {
        const frames = decoder.push(evt.data)
        if (frames.length > 1 || (frames.length === 1 && decoder.midFrame)) {
          throw new FrameError('bytes after the only frame')
        }
        const frame = frames[0]
        if (frame !== undefined) {
          cleanup()
          resolve(frame)
        }
      } catch (err) {
        fail(err instanceof Error ? err : new FrameError(String(err)))
      }
    }
    const onEnd = (): void => {
      fail(new FrameError(decoder.midFrame ? 'stream closed mid-frame' : 'stream closed'))
    }
    const onClose = (evt: { error?: Error }): void => {
      fail(evt.error ?? new FrameError('stream closed'))
    }
    const onAbort = (): void => {
      fail(signal.reason instanceof Error ? signal.reason : new Error('read aborted'))
    }
    if (signal.aborted) {
      onAbort()
      return
    }
    signal.addEventListener('abort', onAbort)
    stream.addEventListener('message', onMessage)
    stream.addEventListener('remoteCloseWrite', onEnd)
    stream.addEventListener('close', onClose)
  })
}
