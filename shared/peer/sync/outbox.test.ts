import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { FrameDecoder } from './frames.ts'
import { Outbox } from './outbox.ts'
import { Signal } from './test-fixtures.ts'
import type { OutgoingMessage, OutboxOptions, SendStream } from './outbox.ts'
import type { Logger, MessageStreamStatus } from '@libp2p/interface'

const silent: Logger = Object.assign(() => undefined, {
  error: () => undefined,
  trace: () => undefined,
  enabled: false,
  newScope: () => silent,
})

/** A stream whose muxer buffer the test fills and drains by hand. */
class FakeStream extends EventTarget {
  status: MessageStreamStatus = 'open'
  full = false
  writeBufferLength = 0
  readonly sent: Uint8Array[] = []
  readonly signal: Signal
  #idleListeners = 0

  constructor(signal: Signal) {
    super()
    this.signal = signal
  }

  send(data: Uint8Array): boolean {
    if (this.status !== 'open') throw new Error('stream closed')
    this.sent.push(data)
    if (this.full) this.writeBufferLength += data.length
    this.signal.notify()
    return !this.full
  }

  override addEventListener(...args: Parameters<EventTarget['addEventListener']>): void {
    if (args[0] === 'idle') this.#idleListeners++
    super.addEventListener(...args)
    this.signal.notify()
  }

  override removeEventListener(...args: Parameters<EventTarget['removeEventListener']>): void {
    if (args[0] === 'idle') this.#idleListeners--
    super.removeEventListener(...args)
  }

  get waitingForDrain(): boolean {
    return this.#idleListeners > 0
  }

  /** A 'drain' of the connection that leaves this stream's queue as it was: not a reason to go on. */
  spuriousDrain(): void {
    this.dispatchEvent(new Event('drain'))
  }

  drain(): void {
    this.full = false
    this.writeBufferLength = 0
    this.dispatchEvent(new Event('idle'))
  }

  abort(err: Error): void {
    if (this.status !== 'open') return
    this.status = 'aborted'
    const evt = Object.assign(new Event('close'), { error: err })
    this.dispatchEvent(evt)
  }
}

function message(groupId: string, payloads: number[]): OutgoingMessage {
  return {
    groupId,
    bytes: payloads.reduce((a, b) => a + b, 0),
    frames: () => payloads.map((n) => new Uint8Array(n).fill(n % 256)),
  }
}

function setup(opts: Partial<OutboxOptions> = {}) {
  const signal = new Signal()
  const overflows: Set<string>[] = []
  const closes: (Error | undefined)[] = []
  const outbox = new Outbox({
    maxQueuedBytes: 100,
    drainTimeoutMs: 60_000,
    log: silent,
    onOverflow: (groups) => overflows.push(groups),
    onClosed: (err) => {
      closes.push(err)
      signal.notify()
    },
    ...opts,
  })
  const stream = new FakeStream(signal)
  return { signal, outbox, stream, overflows, closes }
}

function payloadSizes(sent: Uint8Array[]): number[] {
  const decoder = new FrameDecoder(1 << 20)
  return sent.flatMap((s) => decoder.push(s)).map((f) => f.length)
}

describe('Outbox', () => {
  test('sends what queued before the stream opened, framed and in order', async () => {
    const { outbox, stream, signal } = setup()
    outbox.push(message('a', [10]))
    outbox.push(message('b', [20, 30]))
    outbox.attach(stream satisfies SendStream)
    await signal.until(() => stream.sent.length === 3, 'three frames')
    assert.deepEqual(payloadSizes(stream.sent), [10, 20, 30])
  })

  test('waits for drain when the muxer is full, then carries on', async () => {
    const { outbox, stream, signal } = setup()
    outbox.attach(stream)
    stream.full = true
    outbox.push(message('a', [10, 10, 10]))
    await signal.until(() => stream.waitingForDrain, 'waiting for drain')
    assert.equal(stream.sent.length, 1, 'stopped after the write that filled the buffer')
    stream.spuriousDrain()
    await new Promise((resolve) => setImmediate(resolve))
    assert.equal(stream.sent.length, 1, 'still waiting: its queue did not empty')
    stream.drain()
    await signal.until(() => stream.sent.length === 3, 'rest written after drain')
  })

  test('a peer that cannot keep up has its queue dropped and the groups reported', async () => {
    const { outbox, stream, signal, overflows } = setup({ maxQueuedBytes: 100 })
    outbox.attach(stream)
    stream.full = true
    outbox.push(message('inflight', [50, 50]))
    await signal.until(() => stream.waitingForDrain, 'stuck on the first message')
    outbox.push(message('g1', [60]))
    assert.equal(outbox.queuedBytes, 60)
    outbox.push(message('g2', [60]))
    assert.deepEqual(overflows, [new Set(['g1', 'g2'])])
    assert.equal(outbox.queuedBytes, 0)

    // The message being written still completes, so the receiver never sees half an update.
    outbox.push(message('after', [5]))
    stream.drain()
    await signal.until(() => stream.sent.length === 3, 'in-flight message and the new one')
    assert.deepEqual(payloadSizes(stream.sent), [50, 50, 5])
  })

  test('one message larger than the bound is still sent when nothing else is queued', async () => {
    const { outbox, stream, signal, overflows } = setup({ maxQueuedBytes: 10 })
    outbox.attach(stream)
    outbox.push(message('big', [500]))
    await signal.until(() => stream.sent.length === 1, 'sent')
    assert.deepEqual(overflows, [])
  })

  test('a stream that never drains is aborted', async () => {
    const { outbox, stream, signal, closes } = setup({ drainTimeoutMs: 10 })
    outbox.attach(stream)
    stream.full = true
    outbox.push(message('a', [10, 10]))
    await signal.until(() => closes.length === 1, 'closed')
    assert.equal(stream.status, 'aborted')
    assert.ok(closes[0] instanceof Error)
    assert.equal(outbox.closed, true)
  })

  test('after the stream closes nothing more is queued or sent', async () => {
    const { outbox, stream, closes } = setup()
    outbox.attach(stream)
    stream.abort(new Error('remote reset'))
    assert.equal(closes.length, 1)
    outbox.push(message('a', [10]))
    assert.equal(outbox.queuedBytes, 0)
    assert.deepEqual(stream.sent, [])
  })
})
