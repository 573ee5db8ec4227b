// Counts streams per peer so neither side lets one peer hold more than its share: the server
// answers BUSY past the limit, and our own fetches together never open more than the limit to
// one peer (so an honest server never has to say BUSY to us). Chunk fetches take a slot when one
// is free and are pumped again on every release; manifest requests wait in line for one, so
// thousands of small files asked for at once queue here instead of failing at the muxer.
export class PeerSlots {
  readonly perPeer: number
  readonly total: number
  readonly #inUse = new Map<string, number>()
  /** Who waits for a slot of each peer, first come first served. */
  readonly #waiting = new Map<string, (() => void)[]>()
  #all = 0
  readonly #onRelease: () => void

  constructor(perPeer: number, total = Number.POSITIVE_INFINITY, onRelease: () => void = () => {}) {
    this.perPeer = perPeer
    this.total = total
    this.#onRelease = onRelease
  }

  tryAcquire(peer: string): boolean {
    const used = this.#inUse.get(peer) ?? 0
    if (used >= this.perPeer || this.#all >= this.total) return false
    this.#inUse.set(peer, used + 1)
    this.#all++
    return true
  }

  /** Resolves holding a slot of `peer` once one is free; rejects if `signal` fires first. */
  async acquire(peer: string, signal?: AbortSignal): Promise<void> {
    signal?.throwIfAborted()
    if (this.tryAcquire(peer)) return
    let queue = this.#waiting.get(peer)
    if (queue === undefined) this.#waiting.set(peer, (queue = []))
    const line = queue
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        const at = line.indexOf(grant)
        if (at >= 0) line.splice(at, 1)
        if (line.length === 0 && this.#waiting.get(peer) === line) this.#waiting.delete(peer)
        reject(signal?.reason)
      }
      const grant = (): void => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      line.push(grant)
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }

  release(peer: string): void {
    const used = this.#inUse.get(peer) ?? 0
    if (used === 0) throw new Error(`releasing a slot ${peer} does not hold`)
    const next = this.#waiting.get(peer)?.shift()
    if (next !== undefined) {
      // The slot passes straight to whoever waited for it: the counts do not change.
      if (this.#waiting.get(peer)?.length === 0) this.#waiting.delete(peer)
      next()
      return
    }
    if (used === 1) this.#inUse.delete(peer)
    else this.#inUse.set(peer, used - 1)
    this.#all--
    this.#onRelease()
  }

  inUse(peer?: string): number {
    return peer === undefined ? this.#all : (this.#inUse.get(peer) ?? 0)
  }
}
