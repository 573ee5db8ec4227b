// Being found on the LAN within a second, even when the first packet is lost. @libp2p/mdns asks
// the LAN once at start and then every interval (5 s here), and only ever speaks when asked, so a
// lost first query (a cable still negotiating, Wi-Fi still associating) cost a whole interval or
// two before anyone met us. This service runs beside it on the same multicast-dns library and
// closes both gaps, as RFC 6762 describes for responders (§8.3) and queriers (§5.2):
// - a start-up schedule: query again, and announce our own records unasked, a few times in the
//   first seconds (0.25, 1, 2, 4 s), after which @libp2p/mdns's interval carries on;
// - the same schedule again whenever our network interfaces change (checked twice a second: a
//   link that comes up only shows then), and one announcement whenever our addresses change.
// Announcements are @libp2p/mdns's own answer records, word for word in format (the libp2p mDNS
// spec), under the same random peer name, so every libp2p mDNS peer already understands them and
// our own responder's self-check still recognises them. Like @libp2p/mdns's, they carry only the
// service tag, a random name and our private addresses with our peer id: never a group or member
// name.
import os from 'node:os'
import { isPrivate } from '@libp2p/utils'
import type { Multiaddr } from '@multiformats/multiaddr'
import multicastDns from 'multicast-dns'
import type { Answer } from 'dns-packet'
import type {
  ComponentLogger,
  Libp2pEvents,
  Logger,
  Startable,
  TypedEventTarget,
} from '@libp2p/interface'

/** Milliseconds after start (and after each network change) at which we query and announce. */
export const DEFAULT_SCHEDULE_MS: readonly number[] = [0, 250, 1000, 2000, 4000]
/** How often the network interfaces are compared with the last ones seen. */
export const DEFAULT_INTERFACE_CHECK_MS = 500
const MDNS_IP = '224.0.0.251'
const MDNS_PORT = 5353
/** What @libp2p/mdns answers with; the records are ours for two minutes. */
const RECORD_TTL_S = 120
/** A TXT string holds at most 255 bytes. */
const MAX_TXT_CHARS = 255
const P2P = 421

export interface LanAnnounceInit {
  /** The service tag @libp2p/mdns queries for. */
  serviceTag: string
  /** The name @libp2p/mdns answers under: ours must be the same (see above). */
  peerName: string
  scheduleMs?: readonly number[]
  interfaceCheckMs?: number
}

export interface LanAnnounceComponents {
  addressManager: { getAddresses(): Multiaddr[] }
  events: TypedEventTarget<Libp2pEvents>
  logger: ComponentLogger
}

/** The answer records that announce `addrs` (each ending in /p2p/<our id>), as @libp2p/mdns's. */
export function announcement(serviceTag: string, peerName: string, addrs: Multiaddr[]): Answer[] {
  const name = `${peerName}.${serviceTag}`
  const txt: Answer[] = []
  for (const addr of addrs) {
    // mDNS stays on the link: only private (LAN) addresses, as @libp2p/mdns.
    if (!isPrivate(addr)) continue
    if (addr.getComponents().findLast((c) => c.code === P2P) === undefined) continue
    const data = `dnsaddr=${addr.toString()}`
    if (data.length > MAX_TXT_CHARS) continue
    txt.push({ name, type: 'TXT', class: 'IN', ttl: RECORD_TTL_S, data })
  }
  if (txt.length === 0) return []
  return [{ name: serviceTag, type: 'PTR', class: 'IN', ttl: RECORD_TTL_S, data: name }, ...txt]
}

/** The IPv4 addresses of the interfaces that are up, as one comparable string. */
function interfaceSignature(): string {
  const parts: string[] = []
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family === 'IPv4' && !a.internal) parts.push(`${name}=${a.address}`)
    }
  }
  return parts.sort().join(',')
}

class LanAnnouncer implements Startable {
  readonly [Symbol.toStringTag] = '@hearth/lan-announce'
  readonly #components: LanAnnounceComponents
  readonly #init: Required<LanAnnounceInit>
  readonly #log: Logger
  #mdns: multicastDns.MulticastDNS | null = null
  readonly #timers = new Set<ReturnType<typeof setTimeout>>()
  #interfaceTimer: ReturnType<typeof setInterval> | null = null
  #interfaces = ''
  readonly #onAddressesChanged = (): void => this.#announce()

  constructor(components: LanAnnounceComponents, init: LanAnnounceInit) {
    this.#components = components
    this.#init = {
      scheduleMs: DEFAULT_SCHEDULE_MS,
      interfaceCheckMs: DEFAULT_INTERFACE_CHECK_MS,
      ...init,
    }
    this.#log = components.logger.forComponent('hearth:lan-announce')
  }

  start(): void {
    this.#open()
  }

  afterStart(): void {
    this.#components.events.addEventListener('self:peer:update', this.#onAddressesChanged)
    this.#interfaces = interfaceSignature()
    this.#interfaceTimer = setInterval(() => {
      const now = interfaceSignature()
      if (now === this.#interfaces) return
      this.#log('network interfaces changed, announcing again')
      this.#interfaces = now
      // multicast-dns picks the interface it sends on when its socket first sends: one made
      // while the link was down would keep sending on loopback. A fresh socket picks again.
      this.#close()
      this.#open()
      this.#runSchedule()
    }, this.#init.interfaceCheckMs)
    this.#interfaceTimer.unref()
    this.#runSchedule()
  }

  async stop(): Promise<void> {
    this.#components.events.removeEventListener('self:peer:update', this.#onAddressesChanged)
    if (this.#interfaceTimer !== null) clearInterval(this.#interfaceTimer)
    this.#interfaceTimer = null
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    await this.#close()
  }

  #open(): void {
    // Send-only: not bound to 5353, so it neither decodes the LAN's mDNS traffic a second time
    // nor competes with @libp2p/mdns for it. Answers to our queries are multicast, so they
    // reach @libp2p/mdns's socket.
    const mdns = multicastDns({ ip: MDNS_IP, port: MDNS_PORT, bind: false })
    mdns.on('warning', (err: Error) => this.#log('mdns warning - %e', err))
    mdns.on('error', (err: Error) => this.#log.error('mdns error - %e', err))
    this.#mdns = mdns
  }

  #close(): Promise<void> {
    const mdns = this.#mdns
    this.#mdns = null
    if (mdns === null) return Promise.resolve()
    return new Promise<void>((resolve) => mdns.destroy(() => resolve()))
  }

  #runSchedule(): void {
    for (const timer of this.#timers) clearTimeout(timer)
    this.#timers.clear()
    for (const delay of this.#init.scheduleMs) {
      const timer = setTimeout(() => {
        this.#timers.delete(timer)
        this.#query()
        this.#announce()
      }, delay)
      timer.unref()
      this.#timers.add(timer)
    }
  }

  #query(): void {
    this.#mdns?.query({ questions: [{ name: this.#init.serviceTag, type: 'PTR' }] })
  }

  #announce(): void {
    const { serviceTag, peerName } = this.#init
    const answers = announcement(
      serviceTag,
      peerName,
      this.#components.addressManager.getAddresses(),
    )
    if (answers.length > 0) this.#mdns?.respond({ answers })
  }
}

/** The service (see above); give it the same `peerName` and `serviceTag` as @libp2p/mdns. */
export function lanAnnounce(
  init: LanAnnounceInit,
): (components: LanAnnounceComponents) => Startable {
  return (components) => new LanAnnouncer(components, init)
}
