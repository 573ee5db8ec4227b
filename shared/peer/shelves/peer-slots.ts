// Counts streams per peer so neither side lets one peer hold more than its share: the server
// answers BUSY past the limit, and our own fetches together never open more than the limit to
// one peer (so an honest server never has to say BUSY to us).
export class PeerSlots {
  readonly perPeer: number
  readonly total: number
  readonly #inUse = new Map<string, number>()
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

  release(peer: string): void {
    const used = this.#inUse.get(peer) ?? 0
    if (used === 0) throw new Error(`releasing a slot ${peer} does not hold`)
    if (used === 1) this.#inUse.delete(peer)
    else this.#inUse.set(peer, used - 1)
    this.#all--
    this.#onRelease()
  }

  inUse(peer?: string): number {
    return peer === undefined ? this.#all : (this.#inUse.get(peer) ?? 0)
  }
}
