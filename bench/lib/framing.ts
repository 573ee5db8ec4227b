// The floor's wire format between the benchmark and its receiving processes: a 4-byte big-endian
// length, then that many bytes. The receiver only counts bytes, so a 64 MiB body is never held.

export const HEADER_BYTES = 4

export function header(length: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES)
  new DataView(out.buffer).setUint32(0, length)
  return out
}

/** Feeds chunks in; calls `onMessage(length)` each time a whole message has gone by. */
export class FrameCounter {
  readonly #maxLength: number
  readonly #onMessage: (length: number) => void
  readonly #head = new Uint8Array(HEADER_BYTES)
  #headFill = 0
  #remaining = -1
  #length = 0

  constructor(maxLength: number, onMessage: (length: number) => void) {
    this.#maxLength = maxLength
    this.#onMessage = onMessage
  }

  push(chunk: Uint8Array): void {
    let pos = 0
    while (pos < chunk.length) {
      if (this.#remaining < 0) {
        const take = Math.min(HEADER_BYTES - this.#headFill, chunk.length - pos)
        this.#head.set(chunk.subarray(pos, pos + take), this.#headFill)
        this.#headFill += take
        pos += take
        if (this.#headFill < HEADER_BYTES) return
        this.#length = new DataView(this.#head.buffer).getUint32(0)
        if (this.#length > this.#maxLength) {
          throw new Error(`message of ${this.#length} bytes, at most ${this.#maxLength} expected`)
        }
        this.#remaining = this.#length
        this.#headFill = 0
      }
      const take = Math.min(this.#remaining, chunk.length - pos)
      pos += take
      this.#remaining -= take
      if (this.#remaining === 0) {
        this.#remaining = -1
        this.#onMessage(this.#length)
      }
    }
  }
}
