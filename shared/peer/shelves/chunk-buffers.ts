// Reused buffers for received chunk frames. A fetch holds at most its window of chunks (32 MiB),
// but without reuse every 1 MiB chunk is a fresh ArrayBuffer outside V8's heap: allocating it
// zero-fills a megabyte, and a megabyte of external memory per chunk is what made the receiver
// collect garbage most (bench/RESULTS.md, 8). A buffer goes back once the store has written the
// chunk's bytes (before its fsyncs); a few are kept for the next chunks, the rest are left to
// the collector.
import { MAX_CHUNK_FRAME_BYTES } from './wire.ts'

export class ChunkBuffers {
  readonly #free: ArrayBuffer[] = []
  readonly #keep: number

  /** `keep`: free buffers kept for reuse (each MAX_CHUNK_FRAME_BYTES). */
  constructor(keep: number) {
    this.#keep = keep
  }

  /** Free buffers held now (for tests). */
  get kept(): number {
    return this.#free.length
  }

  /**
   * A buffer of `length` bytes with unspecified contents: the caller overwrites all of it before
   * anyone reads it (FrameDecoder fills a frame's body before handing it out).
   */
  take(length: number): Uint8Array {
    if (length > MAX_CHUNK_FRAME_BYTES) throw new RangeError('larger than a chunk frame')
    // Small frames (answers without a chunk) are not worth pooling.
    if (length < MAX_CHUNK_FRAME_BYTES / 2) return new Uint8Array(length)
    const buffer = this.#free.pop() ?? Buffer.allocUnsafeSlow(MAX_CHUNK_FRAME_BYTES).buffer
    return new Uint8Array(buffer, 0, length)
  }

  /** Gives back a buffer from take() (or any view of it) that nothing reads any more. */
  give(view: Uint8Array): void {
    const { buffer } = view
    if (!(buffer instanceof ArrayBuffer) || buffer.byteLength !== MAX_CHUNK_FRAME_BYTES) return
    if (this.#free.length >= this.#keep || this.#free.includes(buffer)) return
    this.#free.push(buffer)
  }

  /** Lets the collector have every kept buffer (no fetch is running). */
  clear(): void {
    this.#free.length = 0
  }
}
