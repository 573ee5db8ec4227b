// Per-author hash chains within one batch of new entries. Every entry names its author's previous
// entry (`prev`) inside its signed bytes, and an entry id is a hash of the signed bytes and the
// signature. So once an entry's signature verifies, its `prev` pins the exact bytes of the entry
// before it, whose `prev` pins the one before that, and so on: one signature check authenticates
// the author's whole chain as far as the batch holds it. A link only counts between entries of the
// same author; an author vouches for its own entries, never for anyone else's.
//
// The links are made as entries are added, in any order, so a check can build them while it reads
// an update, and learn at once that an entry is named (it is no head, and will not need its own
// signature checked).

export interface ChainLink {
  id: string
  author: string
  prev: string | null
}

const NONE = -1

export class BatchChains {
  readonly #links: ChainLink[] = []
  readonly #byId = new Map<string, number>()
  /** For each entry, the index of the entry it names as `prev` (same author), or NONE. */
  readonly #prev: number[] = []
  readonly #named: number[] = []
  readonly #covered: number[] = []
  /** Entries naming an id the batch did not hold yet when they were added: id → their indices. */
  readonly #waiting = new Map<string, number[]>()
  readonly #onNamed: ((i: number) => void) | undefined

  /**
   * `links` must have distinct ids (see `add`). `onNamed(i)` hears when entry `i` becomes named by
   * another entry of its author: from then on it is no head.
   */
  constructor(links: readonly ChainLink[] = [], onNamed?: (i: number) => void) {
    this.#onNamed = onNamed
    for (const link of links) this.add(link)
  }

  get size(): number {
    return this.#links.length
  }

  /** Whether the batch holds an entry with this id. */
  has(id: string): boolean {
    return this.#byId.has(id)
  }

  /** Adds an entry (its id must be new to the batch: validation rejects a repeat); its index. */
  add(link: ChainLink): number {
    const i = this.#links.length
    this.#byId.set(link.id, i)
    // One lookup, not two: a set that does not grow replaced an entry with the same id.
    if (this.#byId.size === i) throw new Error(`entry ${link.id} is already in the batch`)
    this.#links.push(link)
    this.#named.push(0)
    this.#covered.push(0)
    // In an honest update an author's entries come in the order they were written, so the entry
    // it names is usually the one added just before it.
    let prev = NONE
    if (link.prev !== null) {
      const before = this.#links[i - 1]
      const j = before !== undefined && before.id === link.prev ? i - 1 : this.#byId.get(link.prev)
      if (j !== undefined && this.#links[j]?.author === link.author) prev = j
      else if (j === undefined) {
        const waiting = this.#waiting.get(link.prev)
        if (waiting === undefined) this.#waiting.set(link.prev, [i])
        else waiting.push(i)
      }
    }
    this.#prev.push(prev)
    if (prev !== NONE) this.#name(prev)
    // Entries added earlier that name this one.
    const namers = this.#waiting.get(link.id)
    if (namers !== undefined) {
      this.#waiting.delete(link.id)
      for (const k of namers) {
        if (this.#links[k]?.author !== link.author) continue
        this.#prev[k] = i
        this.#name(i)
      }
    }
    return i
  }

  #name(i: number): void {
    if (this.#named[i] === 1) return
    this.#named[i] = 1
    this.#onNamed?.(i)
  }

  /** Whether another entry of the same author in the batch names entry `i` as its previous one. */
  isNamed(i: number): boolean {
    return this.#named[i] === 1
  }

  /**
   * The chain heads: entries that no other entry of the same author in the batch names as its
   * previous one. Each fork of a chain has its own head. Verifying these first covers the rest.
   */
  heads(): number[] {
    const heads: number[] = []
    for (let i = 0; i < this.#named.length; i++) if (this.#named[i] === 0) heads.push(i)
    return heads
  }

  /** Records that entry `i` is authentic, and with it every entry its chain reaches in the batch. */
  vouch(i: number): void {
    let at = i
    while (at !== NONE && this.#covered[at] === 0) {
      this.#covered[at] = 1
      at = this.#prev[at] ?? NONE
    }
  }

  isCovered(i: number): boolean {
    return this.#covered[i] === 1
  }
}
