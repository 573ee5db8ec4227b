// The back-pressure rule, on a stream that behaves like a yamux stream of @libp2p/utils 7: a
// 'drain' may come while its own queue still waits for the peer's window.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { sendAll, untilSent } from './back-pressure.ts'
import type { SendingStream } from './back-pressure.ts'
import type { MessageStreamStatus } from '@libp2p/interface'

/** Takes `window` bytes, queues the rest until the test grants more. */
class WindowedStream extends EventTarget {
  status: MessageStreamStatus = 'open'
  writeBufferLength = 0
  taken = 0
  #window: number

  constructor(window: number) {
    super()
    this.#window = window
  }

  send(data: Uint8Array): boolean {
    this.writeBufferLength += data.byteLength
    this.#flush()
    return this.writeBufferLength === 0
  }

  /** The connection underneath drained: libp2p tells every stream, whatever its window. */
  connectionDrained(): void {
    this.dispatchEvent(new Event('drain'))
  }

  /** The reader took data: a window update. */
  grant(bytes: number): void {
    this.#window += bytes
    this.#flush()
    this.dispatchEvent(new Event('drain'))
  }

  reset(): void {
    this.status = 'reset'
    const evt = Object.assign(new Event('close'), { error: new Error('reset by the peer') })
    this.dispatchEvent(evt)
  }

  #flush(): void {
    const n = Math.min(this.#window, this.writeBufferLength)
    this.#window -= n
    this.writeBufferLength -= n
    this.taken += n
    if (n > 0 && this.writeBufferLength === 0) this.dispatchEvent(new Event('idle'))
  }
}

const asStream = (s: WindowedStream): SendingStream => s as unknown as SendingStream
/** Lets every queued callback and microtask run once (no wall-clock time involved). */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('back-pressure', () => {
  test('a sender waits for its own queue, not for the connection draining', async () => {
    const stream = new WindowedStream(256 * 1024)
    const chunk = new Uint8Array(1024 * 1024)
    let sends = 0
    const sender = (async () => {
      for (let i = 0; i < 8; i++) {
        await sendAll(asStream(stream), chunk)
        sends++
      }
    })()
    await settle()
    for (let i = 0; i < 5; i++) {
      stream.connectionDrained()
      await settle()
    }
    // Only the first chunk was handed over, and only its window's worth left.
    assert.equal(sends, 0)
    assert.equal(stream.taken, 256 * 1024)
    assert.equal(stream.writeBufferLength, 1024 * 1024 - 256 * 1024)
    stream.grant(1024 * 1024)
    await settle()
    assert.equal(sends, 1)
    assert.ok(stream.writeBufferLength <= chunk.length)
    stream.grant(7 * 1024 * 1024)
    await sender
    assert.equal(stream.taken, 8 * chunk.length)
  })

  test('a stream that closes or a signal that fires ends the wait with an error', async () => {
    const stream = new WindowedStream(0)
    const waiting = sendAll(asStream(stream), new Uint8Array(10))
    stream.reset()
    await assert.rejects(waiting, /reset by the peer/)

    const stalled = new WindowedStream(0)
    const controller = new AbortController()
    const timedOut = sendAll(asStream(stalled), new Uint8Array(10), { signal: controller.signal })
    controller.abort(new Error('drain timeout'))
    await assert.rejects(timedOut, /drain timeout/)
    await assert.rejects(
      untilSent(asStream(stalled), { signal: controller.signal }),
      /drain timeout/,
    )
  })
})
