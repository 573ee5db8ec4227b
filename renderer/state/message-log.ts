// One group's messages in display order. Catch-up after a partition delivers thousands of
// messages at once, often older than the newest one shown, so inserting must not copy the list:
// the log is mutated in place and its version tells React that something changed.
import type { Message } from '../../shared/api/index.ts'

/** Display order: hybrid-logical-clock time, then id, so every replica shows the same order. */
export function compareMessages(a: Message, b: Message): number {
  if (a.ts !== b.ts) return a.ts - b.ts
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

export class MessageLog {
  readonly #items: Message[] = []
  readonly #byId = new Map<string, Message>()
  #version = 0

  get version(): number {
    return this.#version
  }

  get size(): number {
    return this.#items.length
  }

  /** The messages in display order. Read-only: the log changes it in place. */
  get items(): readonly Message[] {
    return this.#items
  }

  get(id: string): Message | undefined {
    return this.#byId.get(id)
  }

  last(): Message | undefined {
    return this.#items[this.#items.length - 1]
  }

  indexOf(id: string): number {
    const message = this.#byId.get(id)
    if (message === undefined) return -1
    const at = this.#lowerBound(message)
    return this.#items[at]?.id === id ? at : -1
  }

  /** Adds a message or replaces the one with its id; returns whether it was new. */
  upsert(message: Message): boolean {
    const old = this.#byId.get(message.id)
    this.#byId.set(message.id, message)
    this.#version++
    if (old !== undefined) {
      const at = this.#lowerBound(old)
      if (compareMessages(old, message) === 0) {
        this.#items[at] = message
        return false
      }
      this.#items.splice(at, 1)
    }
    const tail = this.#items[this.#items.length - 1]
    if (tail === undefined || compareMessages(tail, message) < 0) this.#items.push(message)
    else this.#items.splice(this.#lowerBound(message), 0, message)
    return old === undefined
  }

  #lowerBound(message: Message): number {
    let lo = 0
    let hi = this.#items.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      const item = this.#items[mid] as Message
      if (compareMessages(item, message) < 0) lo = mid + 1
      else hi = mid
    }
    return lo
  }
}
