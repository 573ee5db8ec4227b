// Hybrid logical clock in integer milliseconds: close to wall time, but never behind anything
// this device has written or seen, so replies sort after what they answer on every replica.

/** Observed times further ahead than this are accepted as data but do not drag our clock. */
export const MAX_CLOCK_LEAD_MS = 24 * 3600_000

export class HybridClock {
  readonly #now: () => number
  #last = 0

  constructor(now: () => number = Date.now) {
    this.#now = now
  }

  /** A timestamp strictly greater than every earlier tick and every accepted observation. */
  tick(): number {
    this.#last = Math.max(Math.floor(this.#now()), this.#last + 1)
    return this.#last
  }

  observe(ts: number): void {
    if (!Number.isSafeInteger(ts) || ts <= this.#last) return
    // A peer with a wildly wrong clock must not push every later timestamp into the future.
    if (ts > this.#now() + MAX_CLOCK_LEAD_MS) return
    this.#last = ts
  }

  /** The last timestamp handed out or observed. */
  last(): number {
    return this.#last
  }
}
