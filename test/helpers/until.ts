// Waiting for state that lives in another process (a peer, the kernel) is the one place polling
// is allowed: there is no event we could subscribe to from here. The deadline is a failure that
// names what never happened, not a timing assertion.
import { setTimeout as delay } from 'node:timers/promises'

export type UntilOptions = {
  /** What we are waiting for, in words: the failure reads "… waiting until <what>". */
  what: string
  timeoutMs?: number
  intervalMs?: number
  /** Called once on timeout to add the state that was observed, e.g. each host's messages. */
  explain?: () => string | Promise<string>
}

type Truthy<T> = Exclude<T, false | null | undefined | 0 | ''>

/**
 * Calls `probe` until it returns a truthy value and returns that value. An exception thrown by
 * `probe` fails at once: a probe that expects transient errors must turn them into `false` itself,
 * so a real bug is never retried into silence.
 */
export async function until<T>(
  probe: () => T | Promise<T>,
  { what, timeoutMs = 30_000, intervalMs = 200, explain }: UntilOptions,
): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value as Truthy<T>
    if (Date.now() >= deadline) {
      const detail = explain ? `\n${await explain()}` : ''
      throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}${detail}`)
    }
    await delay(intervalMs)
  }
}
