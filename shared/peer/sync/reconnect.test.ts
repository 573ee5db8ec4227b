// The redial policy, first against a fake node and fake timers (which delays get scheduled),
// then against real TCP nodes (a wanted peer that restarts is reconnected).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode } from '../node.ts'
import { Reconnector } from './reconnect.ts'
import { Signal } from './test-fixtures.ts'
import type { ReconnectNode, Timers } from './reconnect.ts'
import type { AbortOptions, ComponentLogger, Logger, PeerId, PeerInfo } from '@libp2p/interface'

const silent: Logger = Object.assign(() => undefined, {
  error: () => undefined,
  trace: () => undefined,
  enabled: false,
  newScope: () => silent,
})
const logger: ComponentLogger = { forComponent: () => silent }

interface PendingDial {
  peerId: string
  signal: AbortSignal | undefined
  succeed(): void
  fail(err: Error): void
}

// Listeners of every event type share one registry; each gets the detail its type carries.
type Listener = (evt: CustomEvent<never>) => void

class FakeNode {
  readonly #listeners = new Map<string, Set<Listener>>()
  readonly connected = new Set<string>()
  readonly dials: PendingDial[] = []
  readonly logger = logger
  readonly peerStore = { merge: async (): Promise<void> => undefined }
  readonly signal = new Signal()

  dial(peerId: PeerId, options?: AbortOptions): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.dials.push({
        peerId: peerId.toString(),
        signal: options?.signal,
        succeed: () => resolve(undefined),
        fail: reject,
      })
      this.signal.notify()
    })
  }

  addEventListener(type: string, fn: Listener): void {
    const set = this.#listeners.get(type) ?? new Set()
    set.add(fn)
    this.#listeners.set(type, set)
  }

  removeEventListener(type: string, fn: Listener): void {
    this.#listeners.get(type)?.delete(fn)
  }

  #emit(type: string, detail: unknown): void {
    for (const fn of this.#listeners.get(type) ?? [])
      fn(new CustomEvent(type, { detail }) as CustomEvent<never>)
  }

  getConnections(peerId?: PeerId): unknown[] {
    return peerId !== undefined && this.connected.has(peerId.toString()) ? [{}] : []
  }

  emitPeer(type: 'peer:connect' | 'peer:disconnect', peerId: PeerId): void {
    if (type === 'peer:connect') this.connected.add(peerId.toString())
    else this.connected.delete(peerId.toString())
    this.#emit(type, peerId)
  }

  emitDiscovery(peerId: PeerId): void {
    const detail: PeerInfo = { id: peerId, multiaddrs: [] }
    this.#emit('peer:discovery', detail)
  }
}

class FakeTimers implements Timers {
  readonly pending = new Map<number, { fn: () => void; ms: number }>()
  readonly signal: Signal
  #next = 1
  constructor(signal: Signal) {
    this.signal = signal
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++
    this.pending.set(id, { fn, ms })
    this.signal.notify()
    return id
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number)
  }
  /** The delay of the only pending timer. */
  only(): number {
    assert.equal(this.pending.size, 1, 'exactly one timer pending')
    return [...this.pending.values()][0]?.ms ?? -1
  }
  async fire(): Promise<void> {
    const [id, t] = [...this.pending.entries()][0] ?? assert.fail('no timer pending')
    this.pending.delete(id)
    t.fn()
  }
}

async function setup(random = () => 0.999999) {
  const node = new FakeNode()
  const timers = new FakeTimers(node.signal)
  const r = new Reconnector(node satisfies ReconnectNode, {
    timers,
    random,
    baseDelayMs: 1_000,
    maxDelayMs: 30_000,
  })
  const peer = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
  return { node, timers, r, peer }
}

/** Fails the newest dial and waits for the retry to be scheduled; returns its delay. */
async function failDial(node: FakeNode, timers: FakeTimers): Promise<number> {
  const dial = node.dials.at(-1) ?? assert.fail('no dial')
  dial.fail(new Error('unreachable'))
  await node.signal.until(() => timers.pending.size === 1, 'retry scheduled')
  return timers.only()
}

describe('Reconnector (fake node, fake timers)', () => {
  test('dials a wanted peer at once, then backs off exponentially up to the cap', async () => {
    const { node, timers, r, peer } = await setup()
    r.start()
    r.want(peer.toString(), ['/ip4/10.0.0.2/tcp/4001'])
    assert.equal(timers.only(), 0)
    const delays: number[] = []
    for (let i = 0; i < 7; i++) {
      await timers.fire()
      await node.signal.until(() => node.dials.length === i + 1, 'dial started')
      delays.push(await failDial(node, timers))
    }
    assert.deepEqual(delays, [2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000])
    assert.ok(node.dials.every((d) => d.peerId === peer.toString()))
    r.stop()
  })

  test('jitter spreads a delay between half and all of it', async () => {
    const { node, timers, r, peer } = await setup(() => 0)
    r.start()
    r.want(peer.toString())
    await timers.fire()
    await node.signal.until(() => node.dials.length === 1, 'dial started')
    assert.equal(await failDial(node, timers), 1_000)
    r.stop()
  })

  test('a connection resets the backoff; a disconnect schedules a prompt redial', async () => {
    const { node, timers, r, peer } = await setup()
    r.start()
    r.want(peer.toString())
    for (let i = 0; i < 4; i++) {
      await timers.fire()
      await node.signal.until(() => node.dials.length === i + 1, 'dial started')
      await failDial(node, timers)
    }
    assert.equal(timers.only(), 16_000)
    node.emitPeer('peer:connect', peer)
    assert.equal(timers.pending.size, 0, 'connected: nothing to retry')
    node.emitPeer('peer:disconnect', peer)
    assert.equal(timers.only(), 1_000, 'back to the base delay')
    r.stop()
  })

  test('mDNS seeing a wanted peer cuts the wait short; unwanted peers are ignored', async () => {
    const { node, timers, r, peer } = await setup()
    const stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    r.start()
    r.want(peer.toString())
    await timers.fire()
    await node.signal.until(() => node.dials.length === 1, 'dial started')
    assert.equal(await failDial(node, timers), 2_000)
    node.emitDiscovery(stranger)
    assert.equal(timers.only(), 2_000, 'a stranger changes nothing')
    node.emitDiscovery(peer)
    assert.equal(timers.only(), 0, 'redial now')
    await timers.fire()
    await node.signal.until(() => node.dials.length === 2, 'redialed')
    assert.ok(
      node.dials.every((d) => d.peerId === peer.toString()),
      'never dialed the stranger',
    )
    r.stop()
  })

  test('forget cancels the timer and aborts a dial in flight; stop clears everything', async () => {
    const { node, timers, r, peer } = await setup()
    const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    r.start()
    r.want(peer.toString())
    await timers.fire()
    await node.signal.until(() => node.dials.length === 1, 'dial started')
    r.forget(peer.toString())
    assert.equal(node.dials[0]?.signal?.aborted, true)
    assert.equal(timers.pending.size, 0)
    assert.deepEqual(r.wanted(), [])

    r.want(other.toString())
    assert.equal(timers.pending.size, 1)
    r.stop()
    assert.equal(timers.pending.size, 0)
  })
})

describe('Reconnector (TCP)', () => {
  test('a wanted peer that restarts on the same address is reconnected', async (tc) => {
    const signal = new Signal()
    const keyB = await generateKeyPair('Ed25519')
    const listenB = async (addr: string) =>
      createNode({ privateKey: keyB, listen: [addr], mdns: false })
    const a = await createNode({
      privateKey: await generateKeyPair('Ed25519'),
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
    })
    tc.after(() => a.stop())
    let b = await listenB('/ip4/127.0.0.1/tcp/0')
    tc.after(() => b.stop())
    const addrB = b.getMultiaddrs()[0]?.toString() ?? assert.fail('B has no address')
    const peerB = b.peerId.toString()

    const events: string[] = []
    for (const type of ['peer:connect', 'peer:disconnect'] as const) {
      a.addEventListener(type, (evt) => {
        if (evt.detail.toString() === peerB) events.push(type)
        signal.notify()
      })
    }
    const r = new Reconnector(a, { baseDelayMs: 50, maxDelayMs: 200 })
    tc.after(() => r.stop())
    r.want(peerB, [addrB])
    r.start()
    await signal.until(() => events.includes('peer:connect'), 'first connection')

    await b.stop()
    await signal.until(() => events.at(-1) === 'peer:disconnect', 'B went away')
    b = await listenB(multiaddr(addrB).decapsulateCode(421).toString())
    await signal.until(() => events.at(-1) === 'peer:connect', 'reconnected to the restarted B')
    assert.equal(a.getConnections(b.peerId).length > 0, true)
  })
})
