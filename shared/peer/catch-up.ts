// Turns a replica's catch-up state into `catchUpProgressed` events a person can watch: the start
// and the end go out at once, the counts in between at most a few times a second (a catch-up of
// 100,000 entries changes its count every few milliseconds).
import type { EventPayload } from '../api/contract.ts'
import type { CatchUp } from './groups/index.ts'

type Progress = EventPayload<'catchUpProgressed'>

export const PROGRESS_INTERVAL_MS = 250

export class CatchUpReporter {
  readonly #emit: (progress: Progress) => void
  readonly #intervalMs: number
  readonly #latest = new Map<string, CatchUp>()
  readonly #sent = new Map<string, Progress>()
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>()

  constructor(emit: (progress: Progress) => void, intervalMs = PROGRESS_INTERVAL_MS) {
    this.#emit = emit
    this.#intervalMs = intervalMs
  }

  /** Groups catching up right now, for `status.get`. */
  active(): { groupId: string; updates: number }[] {
    return [...this.#latest]
      .filter(([, c]) => c.active)
      .map(([groupId, c]) => ({ groupId, updates: c.entries }))
  }

  changed(groupId: string, state: CatchUp): void {
    this.#latest.set(groupId, state)
    const sent = this.#sent.get(groupId)
    if (sent === undefined ? state.active : sent.active !== state.active) {
      this.#send(groupId)
    } else if (state.active && !this.#timers.has(groupId)) {
      this.#timers.set(
        groupId,
        setTimeout(() => this.#send(groupId), this.#intervalMs),
      )
    }
    if (!state.active) this.#latest.delete(groupId)
  }

  stop(): void {
    for (const timer of this.#timers.values()) clearTimeout(timer)
    this.#timers.clear()
  }

  #send(groupId: string): void {
    const timer = this.#timers.get(groupId)
    if (timer !== undefined) clearTimeout(timer)
    this.#timers.delete(groupId)
    const state = this.#latest.get(groupId) ?? { active: false, entries: 0 }
    const progress = { groupId, active: state.active, updates: state.active ? state.entries : 0 }
    const sent = this.#sent.get(groupId)
    if (sent?.active === progress.active && sent.updates === progress.updates) return
    if (progress.active) this.#sent.set(groupId, progress)
    else this.#sent.delete(groupId)
    this.#emit(progress)
  }
}
