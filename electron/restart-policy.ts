// When the process running the peer dies, how long to wait before starting it again. Quick
// repeated crashes back off exponentially and finally give up (a peer that cannot start — a
// locked or broken database — would otherwise spin); a run that lasted counts as healthy, so a
// crash days later starts over from the shortest wait.

export interface RestartPolicyOptions {
  initialDelayMs: number
  maxDelayMs: number
  factor: number
  /** A run at least this long was healthy: the next crash is treated as the first. */
  stableAfterMs: number
  /** Crashes in a row (none of them after a healthy run) before giving up. */
  maxConsecutiveCrashes: number
}

export const DEFAULT_RESTART_POLICY: RestartPolicyOptions = {
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  stableAfterMs: 60_000,
  maxConsecutiveCrashes: 8,
}

export type CrashDecision =
  { action: 'restart'; delayMs: number; attempt: number } | { action: 'give-up'; attempts: number }

export class RestartPolicy {
  readonly #options: RestartPolicyOptions
  readonly #now: () => number
  #consecutive = 0
  #startedAt: number | undefined

  constructor(options: Partial<RestartPolicyOptions> = {}, now: () => number = Date.now) {
    this.#options = { ...DEFAULT_RESTART_POLICY, ...options }
    this.#now = now
  }

  /** The process was (re)started now. */
  started(): void {
    this.#startedAt = this.#now()
  }

  /** The process died without being asked to: restart after a delay, or give up. */
  crashed(): CrashDecision {
    const o = this.#options
    const ranFor = this.#startedAt === undefined ? 0 : this.#now() - this.#startedAt
    this.#startedAt = undefined
    if (ranFor >= o.stableAfterMs) this.#consecutive = 0
    this.#consecutive++
    if (this.#consecutive > o.maxConsecutiveCrashes) {
      return { action: 'give-up', attempts: this.#consecutive - 1 }
    }
    const delayMs = Math.min(o.maxDelayMs, o.initialDelayMs * o.factor ** (this.#consecutive - 1))
    return { action: 'restart', delayMs, attempt: this.#consecutive }
  }

  /** The person asked to try again: forget the crashes so far. */
  reset(): void {
    this.#consecutive = 0
    this.#startedAt = undefined
  }
}
