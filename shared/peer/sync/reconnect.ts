// Keeps us connected to the peers we want (members of our groups): dial while they are not
// connected, backing off exponentially with jitter (1 s → 30 s) so a LAN of sleeping laptops is
// not hammered, and dial at once when mDNS says a wanted peer just (re)appeared.
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { AbortOptions, ComponentLogger, Logger, PeerId, PeerInfo } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

type PeerEvent = 'peer:connect' | 'peer:disconnect'

/** The parts of a libp2p node this class uses (a Libp2p satisfies it). */
export interface ReconnectNode {
  addEventListener(type: PeerEvent, fn: (evt: CustomEvent<PeerId>) => void): void
  addEventListener(type: 'peer:discovery', fn: (evt: CustomEvent<PeerInfo>) => void): void
  removeEventListener(type: PeerEvent, fn: (evt: CustomEvent<PeerId>) => void): void
  removeEventListener(type: 'peer:discovery', fn: (evt: CustomEvent<PeerInfo>) => void): void
  dial(peerId: PeerId, options?: AbortOptions): Promise<unknown>
  getConnections(peerId?: PeerId): unknown[]
  peerStore: {
    merge(
      peerId: PeerId,
      data: { multiaddrs: Multiaddr[] },
      options?: AbortOptions,
    ): Promise<unknown>
  }
  logger: ComponentLogger
}

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface ReconnectOptions {
  baseDelayMs?: number
  maxDelayMs?: number
  dialTimeoutMs?: number
  timers?: Timers
  /** Returns [0, 1); injectable so tests can pin the jitter. */
  random?: () => number
}

const realTimers: Timers = {
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms)
    handle.unref()
    return handle
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}

interface Wanted {
  peerId: PeerId
  addrs: Multiaddr[]
  /** Failed dials since the last connection. */
  failures: number
  timer: unknown
  dialing: AbortController | null
}

export class Reconnector {
  readonly #node: ReconnectNode
  readonly #base: number
  readonly #max: number
  readonly #dialTimeoutMs: number
  readonly #timers: Timers
  readonly #random: () => number
  readonly #log: Logger
  readonly #wanted = new Map<string, Wanted>()
  #running = false

  constructor(node: ReconnectNode, options: ReconnectOptions = {}) {
    this.#node = node
    this.#base = options.baseDelayMs ?? 1_000
    this.#max = options.maxDelayMs ?? 30_000
    this.#dialTimeoutMs = options.dialTimeoutMs ?? 10_000
    this.#timers = options.timers ?? realTimers
    this.#random = options.random ?? Math.random
    this.#log = node.logger.forComponent('hearth:reconnect')
  }

  /** Keep this peer connected. `addrs` are tried along with what the peer store knows. */
  want(peerId: string, addrs: string[] = []): void {
    let w = this.#wanted.get(peerId)
    if (w === undefined) {
      w = { peerId: peerIdFromString(peerId), addrs: [], failures: 0, timer: null, dialing: null }
      this.#wanted.set(peerId, w)
    }
    w.addrs = parseAddrs(addrs, this.#log)
    if (this.#running && w.timer === null && w.dialing === null) this.#schedule(w, 0)
  }

  /** Stop redialing this peer (an existing connection is left alone). */
  forget(peerId: string): void {
    const w = this.#wanted.get(peerId)
    if (w === undefined) return
    this.#wanted.delete(peerId)
    this.#cancel(w)
  }

  wanted(): string[] {
    return [...this.#wanted.keys()]
  }

  start(): void {
    if (this.#running) return
    this.#running = true
    this.#node.addEventListener('peer:connect', this.#onConnect)
    this.#node.addEventListener('peer:disconnect', this.#onDisconnect)
    this.#node.addEventListener('peer:discovery', this.#onDiscovery)
    for (const w of this.#wanted.values()) this.#schedule(w, 0)
  }

  stop(): void {
    if (!this.#running) return
    this.#running = false
    this.#node.removeEventListener('peer:connect', this.#onConnect)
    this.#node.removeEventListener('peer:disconnect', this.#onDisconnect)
    this.#node.removeEventListener('peer:discovery', this.#onDiscovery)
    for (const w of this.#wanted.values()) this.#cancel(w)
  }

  readonly #onConnect = (evt: CustomEvent<PeerId>): void => {
    const w = this.#wanted.get(evt.detail.toString())
    if (w === undefined) return
    w.failures = 0
    this.#clearTimer(w)
  }

  readonly #onDisconnect = (evt: CustomEvent<PeerId>): void => {
    const w = this.#wanted.get(evt.detail.toString())
    if (w === undefined || w.dialing !== null) return
    this.#schedule(w, this.#delay(w.failures))
  }

  readonly #onDiscovery = (evt: CustomEvent<PeerInfo>): void => {
    const w = this.#wanted.get(evt.detail.id.toString())
    if (w === undefined || w.dialing !== null) return
    this.#schedule(w, 0)
  }

  /** Backoff before the next try after `failures` failed dials: base·2^failures, capped, jittered. */
  #delay(failures: number): number {
    const ceiling = Math.min(this.#max, this.#base * 2 ** failures)
    return Math.round(ceiling / 2 + (this.#random() * ceiling) / 2)
  }

  #schedule(w: Wanted, ms: number): void {
    if (!this.#running) return
    this.#clearTimer(w)
    w.timer = this.#timers.setTimeout(() => {
      w.timer = null
      void this.#dial(w)
    }, ms)
  }

  async #dial(w: Wanted): Promise<void> {
    if (!this.#running || this.#wanted.get(w.peerId.toString()) !== w || w.dialing !== null) return
    if (this.#node.getConnections(w.peerId).length > 0) {
      w.failures = 0
      return
    }
    const ac = new AbortController()
    w.dialing = ac
    try {
      const signal = AbortSignal.any([ac.signal, AbortSignal.timeout(this.#dialTimeoutMs)])
      if (w.addrs.length > 0) {
        await this.#node.peerStore.merge(w.peerId, { multiaddrs: w.addrs }, { signal })
      }
      await this.#node.dial(w.peerId, { signal })
      w.failures = 0
      // A disconnect while we were dialing was left to us; the connection may be gone already.
      if (this.#node.getConnections(w.peerId).length === 0) this.#schedule(w, this.#delay(0))
    } catch (err) {
      // Cancelled by forget() or stop(): the peer is no longer wanted, nothing to retry.
      if (ac.signal.aborted) return
      w.failures++
      this.#log('dial %p failed (%d in a row) - %e', w.peerId, w.failures, err)
      this.#schedule(w, this.#delay(w.failures))
    } finally {
      if (w.dialing === ac) w.dialing = null
    }
  }

  #clearTimer(w: Wanted): void {
    if (w.timer !== null) this.#timers.clearTimeout(w.timer)
    w.timer = null
  }

  #cancel(w: Wanted): void {
    this.#clearTimer(w)
    w.dialing?.abort(new Error('no longer wanted'))
    w.dialing = null
  }
}

function parseAddrs(addrs: string[], log: Logger): Multiaddr[] {
  const out: Multiaddr[] = []
  for (const a of addrs) {
    try {
      out.push(multiaddr(a))
    } catch (err) {
      log('ignoring unparsable address %s - %e', a, err)
    }
  }
  return out
}
