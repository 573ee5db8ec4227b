// Many holders at once, or one alone. Blob gc takes it alone; adding a file shares it, so a file
// whose bytes are stored but whose shelf entry is not written yet is never collected between the
// two steps.
export class SharedLock {
  #shared = 0
  #alone: Promise<void> | null = null
  #drained: (() => void) | null = null

  async shared<T>(work: () => Promise<T>): Promise<T> {
    while (this.#alone !== null) await this.#alone
    this.#shared++
    try {
      return await work()
    } finally {
      this.#shared--
      if (this.#shared === 0) this.#drained?.()
    }
  }

  async alone<T>(work: () => Promise<T>): Promise<T> {
    while (this.#alone !== null) await this.#alone
    let done: () => void = () => {}
    this.#alone = new Promise<void>((resolve) => (done = resolve))
    try {
      while (this.#shared > 0) {
        await new Promise<void>((resolve) => (this.#drained = resolve))
      }
      this.#drained = null
      return await work()
    } finally {
      this.#alone = null
      done()
    }
  }
}
