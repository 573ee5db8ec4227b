// The message list as every replica shows it: ordered by (ts, id), with edits, deletes and
// reactions folded in. The order is kept incrementally, because re-sorting a long history on
// every new message would make each append cost grow with the history.
import type { Message } from '../../api/index.ts'
import type { ActEntry, MsgEntry } from './entries.ts'
import type { MembershipView } from './membership.ts'

interface Key {
  ts: number
  id: string
}

interface ActRecord {
  id: string
  act: ActEntry
}

function compareKeys(a: Key, b: Key): number {
  return a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

export class MessageIndex {
  readonly #entries = new Map<string, MsgEntry>()
  #order: Key[] = []
  /** Acts by the message they target; a target may arrive after its acts. Each list is sorted. */
  readonly #acts = new Map<string, ActRecord[]>()

  has(id: string): boolean {
    return this.#entries.has(id)
  }

  entry(id: string): MsgEntry | undefined {
    return this.#entries.get(id)
  }

  count(): number {
    return this.#order.length
  }

  /**
   * Adds many messages at once (loading, a catch-up): they are sorted among themselves, then
   * merged in one pass. One insertion each would move the whole history per message whenever
   * authors' messages interleave in time, which a catch-up from many authors always does.
   */
  addMessages(entries: Iterable<[string, MsgEntry]>): void {
    this.addMessagesFrom((add) => {
      for (const [id, entry] of entries) add(id, entry)
    })
  }

  /** `addMessages` for a source that calls `add` once per message (no array of pairs). */
  addMessagesFrom(each: (add: (id: string, entry: MsgEntry) => void) => void): void {
    const keys: Key[] = []
    each((id, entry) => {
      if (this.#entries.has(id)) return
      this.#entries.set(id, entry)
      keys.push({ ts: entry.ts, id })
    })
    keys.sort(compareKeys)
    const order = this.#order
    const first = keys[0]
    const last = order[order.length - 1]
    if (first === undefined) return
    if (last === undefined) {
      // Loading: the sorted keys are the order (copying 100,000 of them would only make garbage).
      this.#order = keys
    } else if (compareKeys(last, first) < 0) {
      for (const key of keys) order.push(key)
    } else if (keys.length <= FEW) {
      for (const key of keys) insertSorted(order, key, compareKeys)
    } else {
      this.#order = mergeSorted(order, keys)
    }
  }

  /** Records an act; returns its target id. */
  addAct(id: string, act: ActEntry): string {
    let list = this.#acts.get(act.target)
    if (list === undefined) this.#acts.set(act.target, (list = []))
    if (!list.some((r) => r.id === id)) {
      insertSorted(list, { id, act }, (a, b) => compareKeys(keyOfAct(a), keyOfAct(b)))
    }
    return act.target
  }

  /** Ids of the last `limit` messages, oldest first. */
  lastIds(limit: number): string[] {
    const start = Math.max(0, this.#order.length - Math.max(0, limit))
    return this.#order.slice(start).map((k) => k.id)
  }

  /** Ids of messages whose view may depend on any of `peers` (as author or actor). */
  idsTouchedBy(peers: ReadonlySet<string>): string[] {
    const ids = new Set<string>()
    for (const [id, entry] of this.#entries) if (peers.has(entry.author)) ids.add(id)
    for (const [target, list] of this.#acts) {
      if (this.#entries.has(target) && list.some((r) => peers.has(r.act.author))) ids.add(target)
    }
    return [...ids]
  }

  view(id: string, membership: MembershipView): Message | undefined {
    const entry = this.#entries.get(id)
    if (entry === undefined) return undefined
    let text = entry.text
    let editedAt: number | null = null
    let deleted = false
    // emoji → reactor → on; the latest act of each (reactor, emoji) pair wins.
    const reactionState = new Map<string, Map<string, boolean>>()
    for (const { act } of this.#acts.get(id) ?? []) {
      // Acts are checked against membership at their own time, like messages.
      const role = membership.roleAt(act.author, act.ts)
      if (role === null) continue
      switch (act.kind) {
        case 'edit':
          if (act.author === entry.author) {
            text = act.text
            editedAt = act.ts
          }
          break
        case 'delete':
          if (act.author === entry.author || role === 'admin') deleted = true
          break
        case 'react':
          {
            let reactors = reactionState.get(act.emoji)
            if (reactors === undefined) reactionState.set(act.emoji, (reactors = new Map()))
            reactors.set(act.author, act.on)
          }
          break
      }
    }
    const reactions: Record<string, string[]> = {}
    for (const emoji of [...reactionState.keys()].sort(compareStrings)) {
      const on = [...(reactionState.get(emoji) ?? [])].filter(([, isOn]) => isOn).map(([p]) => p)
      if (on.length > 0) reactions[emoji] = on.sort(compareStrings)
    }
    return {
      id,
      author: entry.author,
      authorName: membership.nameOf(entry.author),
      text: deleted ? '' : text,
      ts: entry.ts,
      replyTo: entry.replyTo,
      editedAt,
      deleted,
      reactions,
      verified: membership.wasMemberAt(entry.author, entry.ts),
      attachments: deleted ? [] : [...(entry.files ?? [])],
    }
  }
}

function keyOfAct(r: ActRecord): Key {
  return { ts: r.act.ts, id: r.id }
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Below this many, inserting each new message costs less than rebuilding the order. */
const FEW = 8

function mergeSorted(a: readonly Key[], b: readonly Key[]): Key[] {
  const out: Key[] = new Array<Key>(a.length + b.length)
  let i = 0
  let j = 0
  for (let k = 0; k < out.length; k++) {
    const x = a[i]
    const y = b[j]
    if (y === undefined || (x !== undefined && compareKeys(x, y) <= 0)) {
      out[k] = x as Key
      i++
    } else {
      out[k] = y
      j++
    }
  }
  return out
}

/** Binary insertion with a fast path for appends. */
function insertSorted<T>(list: T[], item: T, compare: (a: T, b: T) => number): void {
  const last = list[list.length - 1]
  if (last === undefined || compare(last, item) < 0) {
    list.push(item)
    return
  }
  let lo = 0
  let hi = list.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (compare(list[mid] as T, item) < 0) lo = mid + 1
    else hi = mid
  }
  list.splice(lo, 0, item)
}

/** True when two views show the same thing. */
export function sameMessage(a: Message | undefined, b: Message | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}
