// The libp2p node: TCP + TLS 1.3 or Noise + yamux, identify + ping, mDNS on the LAN (@libp2p/mdns, with
// lan-announce.ts beside it for a quick start-up and announcements). Who we dial is
// entirely the caller's decision: libp2p 3 only records discovered peers in the peer store
// (it has no auto-dialer), and we turn off its reconnect queue so nothing redials on its own.
import { randomBytes } from 'node:crypto'
import { noise } from '@chainsafe/libp2p-noise'
import { tls } from '@libp2p/tls'
import { yamux } from '@chainsafe/libp2p-yamux'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { lanAnnounce } from './lan-announce.ts'
import { blobTransfer } from './shelves/transfer.ts'
import type { BlobTransfer, BlobTransferInit } from './shelves/transfer.ts'
import { groupSync } from './sync/group-sync.ts'
import type { GroupSync, GroupSyncInit, SyncHost } from './sync/group-sync.ts'
import type { Identify } from '@libp2p/identify'
import type { Ping } from '@libp2p/ping'
import type { ConnectionGater, Libp2p, PeerId, PrivateKey, ServiceMap } from '@libp2p/interface'
import type { Libp2pOptions, ServiceFactoryMap } from 'libp2p'

type Factories = Required<Libp2pOptions>
export type TransportFactory = Factories['transports'][number]
export type EncrypterFactory = Factories['connectionEncrypters'][number]

export interface DefaultServices extends ServiceMap {
  identify: Identify
  ping: Ping
  /** Present when `syncHost` was given. */
  sync?: GroupSync
  /** Present when `blob` was given. */
  blob?: BlobTransfer
}

export interface NodeOptions<S extends ServiceMap = ServiceMap> {
  /** The device key (Ed25519); the peer id derives from it. */
  privateKey: PrivateKey
  /** Default: `/ip4/0.0.0.0/tcp/0`. */
  listen?: string[]
  /** Default: TCP. Tests pass `memory()`. */
  transports?: TransportFactory[]
  /** Default: defaultEncrypters(). The order is the order of preference offered to peers. */
  encrypters?: EncrypterFactory[]
  /** LAN discovery. Default: true. */
  mdns?: boolean
  /** How often we ask the LAN who is there. Default 5 s: new peers appear within seconds. */
  mdnsIntervalMs?: number
  /** Our own service name, so we find Hearth peers and not every libp2p node on the LAN. */
  mdnsServiceTag?: string
  /** The caller's blocklist: blocked peers are never dialed and their connections are refused. */
  isBlocked?(peerId: string): boolean
  /** Default: 64 (see the limits below). */
  maxConnections?: number
  /** Adds group sync as `services.sync` (see sync/group-sync.ts). */
  syncHost?: SyncHost
  onSynced?: GroupSyncInit['onSynced']
  onStrike?: GroupSyncInit['onStrike']
  syncLimits?: GroupSyncInit['limits']
  /** Adds the shelf transfer service (/hearth/blob/2.0.0) as `services.blob`. */
  blob?: BlobTransferInit
  /** Extra services (shelves, …). */
  services?: ServiceFactoryMap<S>
  /** Default: true. */
  start?: boolean
}

/**
 * TLS 1.3 first, Noise second, for the desktop app and `hearth serve` alike. Inside Electron,
 * TLS runs on BoringSSL's native AEADs while Noise falls back to a WASM ChaCha20-Poly1305 (~7×
 * slower, bench/RESULTS.md section 6); in plain Node TLS is level or ahead. multistream-select
 * takes the dialer's first choice the listener supports, so a peer offering only Noise still
 * connects. Streams keep their memory bounded under either: see back-pressure.ts. `noiseAs` is
 * for the benchmarks, which run Noise as Electron does (bench/lib/encrypters.ts).
 */
export function defaultEncrypters(noiseAs: EncrypterFactory = noise()): EncrypterFactory[] {
  return [tls(), noiseAs]
}

export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/0']
export const HEARTH_MDNS_SERVICE_TAG = '_hearth._udp.local'

// Connection limits, sized for a LAN messenger: a household or an office floor.
// - maxConnections 64: every member of every group we share (tens of devices) plus headroom
//   for people joining; past it libp2p prunes the least valuable connections.
// - maxIncomingPendingConnections 8: handshakes in flight from the LAN. Noise costs CPU, so a
//   stranger flooding us with connections waits in the kernel backlog, not in our handshakes.
// - inboundConnectionThreshold 5/s per remote host: one device reconnecting never needs more.
// - maxParallelDials 16: we dial members we know, never the whole LAN.
// - dialTimeout 8 s: LAN peers answer in milliseconds; a dead address should not stall a dial.
// - reconnectRetries 0: the Reconnect class (sync/reconnect.ts) decides whom to redial.
// - yamux 128 streams each way per connection: sync uses 2, join 1, identify/ping a few, the
//   rest is for shelf transfers; per-protocol limits are set where each protocol registers.
const LIMITS = {
  maxConnections: 64,
  maxIncomingPendingConnections: 8,
  inboundConnectionThreshold: 5,
  maxParallelDials: 16,
  dialTimeout: 8_000,
  reconnectRetries: 0,
  yamuxStreams: 128,
} as const

export async function createNode<S extends ServiceMap = ServiceMap>(
  opts: NodeOptions<S>,
): Promise<Libp2p<DefaultServices & S>> {
  const extra = (opts.services ?? {}) as ServiceFactoryMap<S>
  const sync =
    opts.syncHost === undefined
      ? {}
      : {
          sync: groupSync({
            host: opts.syncHost,
            onSynced: opts.onSynced,
            onStrike: opts.onStrike,
            limits: opts.syncLimits,
          }),
        }
  const blob = opts.blob === undefined ? {} : { blob: blobTransfer(opts.blob) }
  const serviceTag = opts.mdnsServiceTag ?? HEARTH_MDNS_SERVICE_TAG
  // One random name for both: our announcements must be recognised as ours by our own responder.
  const peerName = randomBytes(16).toString('hex')
  const lan = opts.mdns === false ? {} : { lanAnnounce: lanAnnounce({ serviceTag, peerName }) }
  const services = {
    identify: identify(),
    // Two outbound pings per connection, not libp2p's one: a ping sent right after another can
    // find the previous stream still closing and fail with "too many outbound streams".
    ping: ping({ maxOutboundStreams: 2 }),
    ...sync,
    ...blob,
    ...lan,
    ...extra,
  } as ServiceFactoryMap<DefaultServices & S>
  return createLibp2p<DefaultServices & S>({
    privateKey: opts.privateKey,
    addresses: { listen: opts.listen ?? DEFAULT_LISTEN },
    transports: opts.transports ?? [tcp()],
    connectionEncrypters: opts.encrypters ?? defaultEncrypters(),
    streamMuxers: [
      yamux({
        maxInboundStreams: LIMITS.yamuxStreams,
        maxOutboundStreams: LIMITS.yamuxStreams,
      }),
    ],
    peerDiscovery:
      opts.mdns === false
        ? []
        : [mdns({ interval: opts.mdnsIntervalMs ?? 5_000, serviceTag, peerName })],
    connectionGater: blocklistGater(opts.isBlocked),
    connectionManager: {
      maxConnections: opts.maxConnections ?? LIMITS.maxConnections,
      maxIncomingPendingConnections: LIMITS.maxIncomingPendingConnections,
      inboundConnectionThreshold: LIMITS.inboundConnectionThreshold,
      maxParallelDials: LIMITS.maxParallelDials,
      dialTimeout: LIMITS.dialTimeout,
      reconnectRetries: LIMITS.reconnectRetries,
    },
    services,
    start: opts.start ?? true,
  })
}

/** Every gate libp2p offers answers from the same blocklist. */
export function blocklistGater(isBlocked?: (peerId: string) => boolean): ConnectionGater {
  if (isBlocked === undefined) return {}
  const deny = (peerId: PeerId): boolean => isBlocked(peerId.toString())
  return {
    denyDialPeer: deny,
    denyInboundEncryptedConnection: deny,
    denyOutboundEncryptedConnection: deny,
    denyInboundUpgradedConnection: deny,
    denyOutboundUpgradedConnection: deny,
    // Do not even keep addresses of blocked peers in the peer store.
    filterMultiaddrForPeer: (peerId) => !deny(peerId),
  }
}
