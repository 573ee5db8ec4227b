// Per-author hash chains within one batch of new entries. Every entry names its author's previous
// entry (`prev`) inside its signed bytes, and an entry id is a hash of the signed bytes and the
// signature. So once an entry's signature verifies, its `prev` pins the exact bytes of the entry
// before it, whose `prev` pins the one before that, and so on: one signature check authenticates
// the author's whole chain as far as the batch holds it. A link only counts between entries of the
// same author; an author vouches for its own entries, never for anyone else's.

export interface ChainLink {
  id: string
  author: string
  prev: string | null
}

export class BatchChains {
  readonly #links: readonly ChainLink[]
  readonly #byId = new Map<string, number>()
  readonly #covered: Uint8Array

  /** `links` must have distinct ids (validation rejects a batch that repeats one). */
  constructor(links: readonly ChainLink[]) {
    this.#links = links
    this.#covered = new Uint8Array(links.length)
    links.forEach((link, i) => this.#byId.set(link.id, i))
  }

  /** The entry that `links[i]` names as its previous one, if the batch holds it. */
  #prevOf(i: number): number | undefined {
    const link = this.#links[i]
    if (link === undefined || link.prev === null) return undefined
    const j = this.#byId.get(link.prev)
    return j !== undefined && this.#links[j]?.author === link.author ? j : undefined
  }

  /**
   * The chain heads: entries that no other entry of the same author in the batch names as its
   * previous one. Each fork of a chain has its own head. Verifying these first covers the rest.
   */
  heads(): number[] {
    const named = new Uint8Array(this.#links.length)
    for (let i = 0; i < this.#links.length; i++) {
      const j = this.#prevOf(i)
      if (j !== undefined) named[j] = 1
    }
    const heads: number[] = []
    for (let i = 0; i < named.length; i++) if (named[i] === 0) heads.push(i)
    return heads
  }

  /** Records that entry `i` is authentic, and with it every entry its chain reaches in the batch. */
  vouch(i: number): void {
    let at: number | undefined = i
    while (at !== undefined && this.#covered[at] === 0) {
      this.#covered[at] = 1
      at = this.#prevOf(at)
    }
  }

  isCovered(i: number): boolean {
    return this.#covered[i] === 1
  }
}
