// JSON lines from a child process's stdout, as promises: `next(match)` resolves with the first
// line (already seen and not yet taken, or still to come) that matches, and takes it.
import readline from 'node:readline'
import type { z } from 'zod'

export class JsonLines<T> {
  readonly #seen: T[] = []
  readonly #waiting: { match: (line: T) => boolean; resolve: (line: T) => void }[] = []
  #failure: Error | null = null
  readonly #failed: ((err: Error) => void)[] = []

  constructor(input: NodeJS.ReadableStream, schema: z.ZodType<T>, what: string) {
    const lines = readline.createInterface({ input })
    lines.on('line', (text) => {
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (err) {
        this.fail(new Error(`${what} printed a line that is not JSON: ${text}`, { cause: err }))
        return
      }
      const parsed = schema.safeParse(value)
      if (!parsed.success) {
        this.fail(new Error(`${what} printed an unexpected line: ${text}`))
        return
      }
      this.#deliver(parsed.data)
    })
  }

  /** Fails every pending and later `next` (e.g. the process died). */
  fail(err: Error): void {
    this.#failure ??= err
    for (const reject of this.#failed.splice(0)) reject(err)
  }

  next(match: (line: T) => boolean = () => true): Promise<T> {
    const index = this.#seen.findIndex(match)
    if (index >= 0) return Promise.resolve(this.#seen.splice(index, 1)[0] as T)
    if (this.#failure) return Promise.reject(this.#failure)
    return new Promise((resolve, reject) => {
      const waiter = { match, resolve }
      this.#waiting.push(waiter)
      this.#failed.push((err) => {
        const at = this.#waiting.indexOf(waiter)
        if (at >= 0) this.#waiting.splice(at, 1)
        reject(err)
      })
    })
  }

  #deliver(line: T): void {
    const index = this.#waiting.findIndex((w) => w.match(line))
    if (index < 0) {
      this.#seen.push(line)
      return
    }
    const [waiter] = this.#waiting.splice(index, 1)
    waiter?.resolve(line)
  }
}
