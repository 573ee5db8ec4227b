// /hearth/sync/4.0.0 as a libp2p service: y-protocols style sync of every group two peers share,
// over two one-way streams per peer (each side writes only on the stream it opened).
// The membership gate runs before any byte about a group is written or any update is kept.
//
// Relaying: a peer passes every update it accepts on to its other connected members, so A and C
// converge through B. In a full mesh that sent every message once per pair of members (20 × 19
// copies for 21 peers), so an author names, in its live update, the members it is sending it to
// (recipient tags, MSG_AUTHOR_UPDATE), and a member that got the update from its author relays it
// only to members not named. The names count only when the sender wrote every entry itself (the
// host checks; see SyncHost.applyRemote): a member can thin out the relaying of its own messages,
// which it could simply not send, and never of anyone else's.
import { InboundReader } from './inbound.ts'
import {
  authorUpdateOverhead,
  MAX_HEADER_BYTES,
  MSG_SYNC_STEP2,
  MSG_UPDATE,
  recipientTag,
  STEP1_WANT_REPLY,
  SYNC_PROTOCOL,
  writeAuthorUpdate,
  writeSyncStep1,
  writeUpdateParts,
} from './messages.ts'
import { Outbox } from './outbox.ts'
import type { SyncStep1, UpdatePart } from './messages.ts'
import type { OutgoingMessage } from './outbox.ts'
import type {
  ComponentLogger,
  Connection,
  Logger,
  PeerId,
  Startable,
  Stream,
  StreamHandler,
  StreamHandlerOptions,
  Topology,
} from '@libp2p/interface'

export type ApplyResult =
  | { kind: 'applied' }
  | { kind: 'duplicate' }
  | { kind: 'gap' }
  | { kind: 'rejected'; reason: string }

/** What the sync layer needs from the group model. Implemented by the peer over its replicas. */
export interface SyncHost {
  /** Groups where both we and peerId are members. */
  groupsSharedWith(peerId: string): string[]
  isMember(groupId: string, peerId: string): boolean
  stateVector(groupId: string): Uint8Array
  diff(groupId: string, sv: Uint8Array): Uint8Array
  /**
   * Resolves once the update is applied or refused; updates for one group apply in call order.
   * `sentTo` (recipient tags) came with an update sent by its author: when the host finds that
   * `from` wrote every entry of it, it passes `sentTo` along with the update it hands back for
   * relaying, as `broadcast`'s `alreadySentTo`; otherwise it drops it.
   */
  applyRemote(
    groupId: string,
    update: Uint8Array,
    from: string,
    sentTo?: ReadonlySet<string>,
  ): Promise<ApplyResult>
}

export interface SyncLimits {
  /** Largest frame we accept or send. */
  maxFrameBytes: number
  /** Size of one part of a large update; parts plus header must fit a frame. */
  partBytes: number
  /** Largest whole update (step 2 or relay) we reassemble or send. */
  maxUpdateBytes: number
  /** Bytes of updates being reassembled from all peers together; at least maxUpdateBytes. */
  maxReassemblyBytes: number
  /** Bytes queued for one peer behind the message being written before the queue is dropped. */
  maxQueuedBytes: number
  /** A frame or update that has started must make progress within this time. */
  stallTimeoutMs: number
  /** The muxer must accept more of our data within this time. */
  drainTimeoutMs: number
  /** Opening our send stream to a connected peer. */
  openTimeoutMs: number
}

export const defaultSyncLimits: SyncLimits = {
  maxFrameBytes: 1024 * 1024,
  partBytes: 512 * 1024,
  // 100,000 messages of a few hundred bytes are ~50 MB of Yjs update; room for 5x that.
  maxUpdateBytes: 256 * 1024 * 1024,
  // A new device catching up from several members at once; past this, later step 2s are
  // skipped and asked for again once memory frees (by then they are mostly duplicates).
  maxReassemblyBytes: 512 * 1024 * 1024,
  maxQueuedBytes: 32 * 1024 * 1024,
  stallTimeoutMs: 60_000,
  drainTimeoutMs: 60_000,
  openTimeoutMs: 10_000,
}

export interface GroupSyncInit {
  host: SyncHost
  /** A step 2 from peerId for groupId has been applied: we hold everything it had. */
  onSynced?(groupId: string, peerId: string): void
  /** peerId broke the protocol or sent data it may not send; the caller keeps the score. */
  onStrike?(peerId: string, reason: string): void
  limits?: Partial<SyncLimits>
}

/** The parts of the libp2p registrar this service uses. */
export interface SyncRegistrar {
  handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
  unhandle(protocol: string): Promise<void>
  register(protocol: string, topology: Topology): Promise<string>
  unregister(id: string): void
}

export interface GroupSyncComponents {
  registrar: SyncRegistrar
  connectionManager: { getConnections(peerId?: PeerId): Connection[] }
  logger: ComponentLogger
}

export interface GroupSync extends Startable {
  /**
   * Sends an update to every connected member of the group except `except` (the peer it came
   * from) and those whose recipient tag is in `alreadySentTo` (its author sent it to them).
   * With no `except` the update is our own, and goes out naming its recipients.
   */
  broadcast(
    groupId: string,
    update: Uint8Array,
    except?: string,
    alreadySentTo?: ReadonlySet<string>,
  ): void
  /**
   * (Re)starts a two-way sync of the group with every connected member. The host calls it
   * whenever its view of the group's membership changes, so a step 1 refused for want of a
   * membership op is sent again once that op has arrived.
   */
  openGroup(groupId: string): void
  /** Peers we currently have a sync link with. */
  connectedPeers(): string[]
}

export function groupSync(init: GroupSyncInit): (components: GroupSyncComponents) => GroupSync {
  return (components) => new GroupSyncService(components, init)
}

// One inbound stream per connection at a time; the second slot lets a peer replace a stream it
// considers broken without waiting for our side to notice the old one closing.
const STREAMS_PER_CONNECTION = 2

interface PeerLink {
  peerId: PeerId
  key: string
  outbox: Outbox | null
  inbound: InboundReader | null
  /**
   * The connection our opening step 1s went out on; a new connection means a new greeting. A
   * group refused in the greeting (membership not yet known on one side) is not greeted again
   * here: the host calls openGroup whenever the group's membership changes.
   */
  greetedOn: Connection | null
  /** Groups we asked about after a gap and have not had a step 2 for yet. */
  awaitingStep2: Set<string>
}

class GroupSyncService implements GroupSync {
  readonly [Symbol.toStringTag] = '@hearth/group-sync'
  readonly #components: GroupSyncComponents
  readonly #host: SyncHost
  readonly #init: GroupSyncInit
  readonly #limits: SyncLimits
  readonly #log: Logger
  readonly #links = new Map<string, PeerLink>()
  /** Bytes reserved by updates being reassembled, across all streams. */
  #reassembling = 0
  /** Updates skipped for lack of memory, to ask for again: peer → groups. */
  readonly #reask = new Map<string, Set<string>>()
  #topologyId: string | null = null
  #running = false

  constructor(components: GroupSyncComponents, init: GroupSyncInit) {
    this.#components = components
    this.#init = init
    this.#host = init.host
    this.#limits = { ...defaultSyncLimits, ...init.limits }
    if (this.#limits.partBytes + MAX_HEADER_BYTES > this.#limits.maxFrameBytes) {
      throw new RangeError('partBytes plus the message header must fit in maxFrameBytes')
    }
    if (this.#limits.maxReassemblyBytes < this.#limits.maxUpdateBytes) {
      throw new RangeError('maxReassemblyBytes must be at least maxUpdateBytes')
    }
    this.#log = components.logger.forComponent('hearth:sync')
  }

  async start(): Promise<void> {
    this.#running = true
    await this.#components.registrar.handle(
      SYNC_PROTOCOL,
      (stream, connection) => this.#onInboundStream(stream, connection),
      { maxInboundStreams: STREAMS_PER_CONNECTION, maxOutboundStreams: STREAMS_PER_CONNECTION },
    )
    this.#topologyId = await this.#components.registrar.register(SYNC_PROTOCOL, {
      onConnect: (peerId, connection) => this.#onPeerConnected(peerId, connection),
      onDisconnect: (peerId) => this.#onPeerDisconnected(peerId.toString()),
    })
  }

  async stop(): Promise<void> {
    this.#running = false
    if (this.#topologyId !== null) this.#components.registrar.unregister(this.#topologyId)
    this.#topologyId = null
    await this.#components.registrar.unhandle(SYNC_PROTOCOL)
    for (const key of [...this.#links.keys()]) this.#dropLink(key)
  }

  connectedPeers(): string[] {
    return [...this.#links.keys()]
  }

  broadcast(
    groupId: string,
    update: Uint8Array,
    except?: string,
    alreadySentTo?: ReadonlySet<string>,
  ): void {
    if (!this.#fitsUpdateCap(groupId, update)) return
    const targets = [...this.#links.values()].filter(
      (link) =>
        link.key !== except &&
        this.#isMember(groupId, link.key) &&
        !(alreadySentTo?.has(recipientTag(link.key)) ?? false),
    )
    if (targets.length === 0) return
    const own = except === undefined
    if (own && update.length + authorUpdateOverhead(targets.length) <= this.#limits.maxFrameBytes) {
      // Only members whose send stream is open are named: a message still waiting for a stream
      // may be lost with it, and then the others' relaying is what brings it.
      const named = targets.filter((link) => link.outbox?.ready === true)
      const payload = writeAuthorUpdate(
        groupId,
        update,
        named.map((link) => recipientTag(link.key)),
      )
      for (const link of targets) {
        this.#send(link, { groupId, bytes: payload.length, frames: () => [payload] })
      }
      return
    }
    for (const link of targets) {
      this.#send(link, updateMessage(MSG_UPDATE, groupId, update, this.#limits.partBytes))
    }
  }

  openGroup(groupId: string): void {
    for (const link of this.#links.values()) {
      if (this.#isMember(groupId, link.key)) this.#sendStep1(link, groupId, STEP1_WANT_REPLY)
    }
  }

  // ── links ─────────────────────────────────────────────────────────────────────────────

  #onPeerConnected(peerId: PeerId, connection: Connection): void {
    if (!this.#running) return
    const link = this.#link(peerId)
    if (link.greetedOn !== null && link.greetedOn.status === 'open') return
    link.greetedOn = connection
    // Both sides open with step 1 for every shared group (the P2P rule from y-protocols).
    for (const groupId of this.#sharedGroups(link.key)) this.#sendStep1(link, groupId, 0)
  }

  #onPeerDisconnected(key: string): void {
    const link = this.#links.get(key)
    // The topology reports a disconnect after the fact; the peer may already be back.
    if (link !== undefined && this.#openConnection(link) === undefined) this.#dropLink(key)
  }

  #link(peerId: PeerId): PeerLink {
    const key = peerId.toString()
    let link = this.#links.get(key)
    if (link === undefined) {
      link = { peerId, key, outbox: null, inbound: null, greetedOn: null, awaitingStep2: new Set() }
      this.#links.set(key, link)
    }
    return link
  }

  #dropLink(key: string): void {
    const link = this.#links.get(key)
    if (link === undefined) return
    this.#links.delete(key)
    this.#reask.delete(key)
    link.outbox?.abort(new Error('peer disconnected'))
    link.inbound?.abort(new Error('peer disconnected'))
  }

  // ── sending ───────────────────────────────────────────────────────────────────────────

  #sendStep1(link: PeerLink, groupId: string, flags: number): void {
    let sv: Uint8Array
    try {
      sv = this.#host.stateVector(groupId)
    } catch (err) {
      this.#log.error('no state vector for group %s - %e', groupId, err)
      return
    }
    const payload = writeSyncStep1(groupId, sv, flags)
    if (payload.length > this.#limits.maxFrameBytes) {
      this.#log.error('state vector of group %s does not fit a frame', groupId)
      return
    }
    this.#send(link, { groupId, bytes: payload.length, frames: () => [payload] })
  }

  #send(link: PeerLink, msg: OutgoingMessage): void {
    if (!this.#running) return
    if (link.outbox === null || link.outbox.closed) this.#openOutbox(link)
    link.outbox?.push(msg)
  }

  #openOutbox(link: PeerLink): void {
    const connection = this.#openConnection(link)
    const outbox = new Outbox({
      maxQueuedBytes: this.#limits.maxQueuedBytes,
      drainTimeoutMs: this.#limits.drainTimeoutMs,
      log: this.#log,
      onOverflow: (groups) => {
        // What we dropped is ours to send; a want-reply step 1 makes the peer ask us for it.
        for (const groupId of groups) {
          if (this.#isMember(groupId, link.key)) this.#sendStep1(link, groupId, STEP1_WANT_REPLY)
        }
      },
      onClosed: (err) => {
        if (link.outbox === outbox) link.outbox = null
        if (err === undefined) return
        this.#log('send stream to %s closed - %e', link.key, err)
        if (connection !== undefined && connection.status !== 'open') this.#onConnectionLost(link)
      },
    })
    link.outbox = outbox
    if (connection === undefined) {
      outbox.abort(new Error('no open connection'))
      return
    }
    connection
      .newStream(SYNC_PROTOCOL, {
        signal: AbortSignal.timeout(this.#limits.openTimeoutMs),
        maxOutboundStreams: STREAMS_PER_CONNECTION,
      })
      .then(
        (stream) => {
          // We never read from our send stream; data on it means the peer is not following
          // the protocol.
          stream.addEventListener('message', () => {
            this.#strike(link.key, 'data on a send-only stream')
            stream.abort(new Error('data on a send-only stream'))
          })
          if (!this.#running || this.#links.get(link.key) !== link) {
            stream.abort(new Error('sync stopped'))
            outbox.abort(new Error('sync stopped'))
            return
          }
          outbox.attach(stream)
        },
        (err: unknown) => {
          this.#log('could not open a sync stream to %s - %e', link.key, err)
          outbox.abort(err instanceof Error ? err : new Error(String(err)))
        },
      )
  }

  #openConnection(link: PeerLink): Connection | undefined {
    return this.#components.connectionManager
      .getConnections(link.peerId)
      .find((c) => c.status === 'open')
  }

  /**
   * The connection under one of our streams went away. If the peer is still connected some
   * other way (a second connection), messages may have been lost with it: resync every shared
   * group both ways. Otherwise the peer is gone.
   */
  #onConnectionLost(link: PeerLink): void {
    if (!this.#running || this.#links.get(link.key) !== link) return
    if (this.#openConnection(link) === undefined) {
      this.#dropLink(link.key)
      return
    }
    for (const groupId of this.#sharedGroups(link.key)) {
      this.#sendStep1(link, groupId, STEP1_WANT_REPLY)
    }
  }

  // ── receiving ─────────────────────────────────────────────────────────────────────────

  #onInboundStream(stream: Stream, connection: Connection): void {
    const peerId = connection.remotePeer
    const key = peerId.toString()
    if (!this.#running) {
      stream.abort(new Error('sync stopped'))
      return
    }
    // A peer that shares no group with us has nothing to say on this protocol.
    if (this.#sharedGroups(key).length === 0) {
      this.#log('refusing a sync stream from %s: no shared group', key)
      stream.abort(new Error('no shared group'))
      return
    }
    const link = this.#link(peerId)
    const previous = link.inbound
    const reader = new InboundReader(stream, {
      maxFrameBytes: this.#limits.maxFrameBytes,
      maxUpdateBytes: this.#limits.maxUpdateBytes,
      stallTimeoutMs: this.#limits.stallTimeoutMs,
      log: this.#log,
      onStep1: (msg) => this.#onStep1(link, msg),
      admit: (type, groupId, total) => this.#admit(link, type, groupId, total),
      release: (total) => this.#release(total),
      onUpdate: (type, groupId, update, sentTo) =>
        this.#onUpdate(link, reader, type, groupId, update, sentTo),
      onMalformed: (reason) => this.#strike(key, reason),
      onClosed: () => {
        if (link.inbound === reader) link.inbound = null
        if (this.#openConnection(link) === undefined) this.#dropLink(key)
      },
    })
    link.inbound = reader
    previous?.abort(new Error('replaced by a newer stream'))
  }

  #onStep1(link: PeerLink, msg: SyncStep1): void {
    // Not a member (or we are not): say nothing at all about the group.
    if (!this.#isMember(msg.groupId, link.key)) {
      this.#log('ignoring step 1 for %s from non-member %s', msg.groupId, link.key)
      return
    }
    let update: Uint8Array
    try {
      update = this.#host.diff(msg.groupId, msg.stateVector)
    } catch (err) {
      this.#log('bad state vector for %s from %s - %e', msg.groupId, link.key, err)
      this.#strike(link.key, 'malformed state vector')
      link.inbound?.abort(new Error('malformed state vector'))
      return
    }
    if (this.#fitsUpdateCap(msg.groupId, update)) {
      this.#send(link, updateMessage(MSG_SYNC_STEP2, msg.groupId, update, this.#limits.partBytes))
    }
    if ((msg.flags & STEP1_WANT_REPLY) !== 0) this.#sendStep1(link, msg.groupId, 0)
  }

  #admit(link: PeerLink, type: UpdatePart['type'], groupId: string, total: number): boolean {
    if (!this.#isMember(groupId, link.key)) {
      this.#strike(link.key, `${typeName(type)} for group ${groupId} it is not a member of`)
      return false
    }
    if (this.#reassembling + total > this.#limits.maxReassemblyBytes) {
      this.#log(
        'no memory for a %d-byte update for %s from %s; will ask again',
        total,
        groupId,
        link.key,
      )
      const groups = this.#reask.get(link.key) ?? new Set()
      groups.add(groupId)
      this.#reask.set(link.key, groups)
      return false
    }
    this.#reassembling += total
    return true
  }

  #release(total: number): void {
    this.#reassembling -= total
    if (this.#reask.size === 0) return
    const pending = [...this.#reask]
    this.#reask.clear()
    for (const [key, groups] of pending) {
      const link = this.#links.get(key)
      if (link === undefined) continue
      for (const groupId of groups) {
        if (this.#isMember(groupId, link.key)) this.#sendStep1(link, groupId, 0)
      }
    }
  }

  #onUpdate(
    link: PeerLink,
    reader: InboundReader,
    type: UpdatePart['type'],
    groupId: string,
    update: Uint8Array,
    sentTo?: ReadonlySet<string>,
  ): void {
    // The reader releases the update's reservation when this returns; the host keeps the update
    // until it is applied, so it stays counted against the budget until then.
    this.#reassembling += update.length
    void this.#apply(link, reader, type, groupId, update, sentTo)
  }

  async #apply(
    link: PeerLink,
    reader: InboundReader,
    type: UpdatePart['type'],
    groupId: string,
    update: Uint8Array,
    sentTo?: ReadonlySet<string>,
  ): Promise<void> {
    try {
      const result = await this.#host.applyRemote(groupId, update, link.key, sentTo)
      if (this.#running) this.#onApplied(link, reader, type, groupId, result)
    } catch (err) {
      // Our failure (or the group went away meanwhile), not the peer's: no strike.
      this.#log.error('applying an update for %s from %s failed - %e', groupId, link.key, err)
    } finally {
      this.#release(update.length)
    }
  }

  #onApplied(
    link: PeerLink,
    reader: InboundReader,
    type: UpdatePart['type'],
    groupId: string,
    result: ApplyResult,
  ): void {
    const wasAwaited = type === MSG_SYNC_STEP2 && link.awaitingStep2.delete(groupId)
    switch (result.kind) {
      case 'applied':
      case 'duplicate':
        if (type === MSG_SYNC_STEP2) this.#emitSynced(groupId, link.key)
        return
      case 'gap':
        // A step 2 answers our own state vector, so a gap there will not heal by asking again.
        if (type === MSG_SYNC_STEP2 && wasAwaited) {
          this.#log('step 2 for %s from %s still leaves a gap', groupId, link.key)
          return
        }
        if (!link.awaitingStep2.has(groupId)) {
          link.awaitingStep2.add(groupId)
          this.#sendStep1(link, groupId, 0)
        }
        return
      case 'rejected':
        this.#strike(link.key, `rejected ${typeName(type)} for ${groupId}: ${result.reason}`)
        reader.abort(new Error(`rejected update: ${result.reason}`))
        return
    }
  }

  // ── helpers ───────────────────────────────────────────────────────────────────────────

  #isMember(groupId: string, peerId: string): boolean {
    try {
      return this.#host.isMember(groupId, peerId)
    } catch (err) {
      this.#log.error('membership check for %s failed - %e', groupId, err)
      return false
    }
  }

  #sharedGroups(peerId: string): string[] {
    try {
      return this.#host.groupsSharedWith(peerId)
    } catch (err) {
      this.#log.error('shared groups for %s failed - %e', peerId, err)
      return []
    }
  }

  #fitsUpdateCap(groupId: string, update: Uint8Array): boolean {
    if (update.length === 0) {
      this.#log.error('refusing to send an empty update for %s', groupId)
      return false
    }
    if (update.length > this.#limits.maxUpdateBytes) {
      this.#log.error('update for %s of %d bytes exceeds the cap', groupId, update.length)
      return false
    }
    return true
  }

  #strike(peerId: string, reason: string): void {
    this.#log('strike for %s: %s', peerId, reason)
    try {
      this.#init.onStrike?.(peerId, reason)
    } catch (err) {
      this.#log.error('onStrike handler failed - %e', err)
    }
  }

  #emitSynced(groupId: string, peerId: string): void {
    try {
      this.#init.onSynced?.(groupId, peerId)
    } catch (err) {
      this.#log.error('onSynced handler failed - %e', err)
    }
  }
}

function updateMessage(
  type: UpdatePart['type'],
  groupId: string,
  update: Uint8Array,
  partBytes: number,
): OutgoingMessage {
  return {
    groupId,
    bytes: update.length,
    frames: () => writeUpdateParts(type, groupId, update, partBytes),
  }
}

function typeName(type: UpdatePart['type']): string {
  return type === MSG_SYNC_STEP2 ? 'step 2' : 'update'
}
