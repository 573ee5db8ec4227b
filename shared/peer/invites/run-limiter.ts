// Admission for code exchanges. Attempt counting in the CodeBook already makes guessing useless;
// this keeps strangers from spending the inviter's CPU or crowding out the person with the code.
export interface RunLimits {
  /** Runs one remote peer may have open at once. */
  perPeerConcurrent: number
  /** Runs one remote peer may start per window. */
  perPeerPerWindow: number
  /** Runs open at once, all peers together. */
  globalConcurrent: number
  /** Runs started per window, all peers together (also bounds what this limiter remembers). */
  globalPerWindow: number
  windowMs: number
}

export const DEFAULT_RUN_LIMITS: RunLimits = {
  perPeerConcurrent: 1,
  perPeerPerWindow: 5,
  globalConcurrent: 4,
  globalPerWindow: 60,
  windowMs: 60_000,
}

interface PeerRecord {
  open: number
  starts: number[]
}

export class RunLimiter {
  readonly #limits: RunLimits
  readonly #peers = new Map<string, PeerRecord>()
  #open = 0
  #starts: number[] = []

  constructor(limits: Partial<RunLimits> = {}) {
    this.#limits = { ...DEFAULT_RUN_LIMITS, ...limits }
  }

  /** Admits a run, returning its release function, or null if a limit is reached. */
  tryStart(peerId: string, now: number): (() => void) | null {
    const l = this.#limits
    this.#forget(now)
    const peer = this.#peers.get(peerId) ?? { open: 0, starts: [] }
    if (
      this.#open >= l.globalConcurrent ||
      this.#starts.length >= l.globalPerWindow ||
      peer.open >= l.perPeerConcurrent ||
      peer.starts.length >= l.perPeerPerWindow
    ) {
      return null
    }
    this.#open += 1
    this.#starts.push(now)
    peer.open += 1
    peer.starts.push(now)
    this.#peers.set(peerId, peer)
    let released = false
    return () => {
      if (released) return
      released = true
      this.#open -= 1
      peer.open -= 1
    }
  }

  #forget(now: number): void {
    const since = now - this.#limits.windowMs
    this.#starts = this.#starts.filter((t) => t > since)
    for (const [id, peer] of this.#peers) {
      peer.starts = peer.starts.filter((t) => t > since)
      if (peer.open === 0 && peer.starts.length === 0) this.#peers.delete(id)
    }
  }
}
