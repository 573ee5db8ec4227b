// Transfer rate for progress events: bytes over the last few seconds, so a stall shows as a
// falling rate instead of being averaged away by the start of the transfer.
const WINDOW_MS = 3_000

export class RateMeter {
  readonly #samples: { at: number; bytes: number }[] = []
  readonly #now: () => number

  constructor(now: () => number = () => performance.now()) {
    this.#now = now
    // The start counts as a sample of nothing, so the first bytes already give a rate: a small
    // file that arrives in a few chunks still shows one while it runs.
    this.#samples.push({ at: now(), bytes: 0 })
  }

  add(bytes: number): void {
    const at = this.#now()
    this.#samples.push({ at, bytes })
    this.#trim(at)
  }

  /** Bytes per second over the window (0 until bytes have come, or when no time has passed). */
  rate(): number {
    const at = this.#now()
    this.#trim(at)
    const first = this.#samples[0]
    if (first === undefined || this.#samples.length < 2) return 0
    const elapsed = Math.max(at - first.at, 1)
    const bytes = this.#samples.reduce((sum, s) => sum + s.bytes, 0) - first.bytes
    return Math.round((bytes * 1000) / elapsed)
  }

  #trim(at: number): void {
    while (this.#samples.length > 2 && (this.#samples[0]?.at ?? at) < at - WINDOW_MS) {
      this.#samples.shift()
    }
  }
}
