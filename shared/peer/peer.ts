// The composition root: one device's peer. It owns the libp2p node, one replica per group, the
// store, and implements every command of the contract. Collaborators come in as options so tests
// can run many peers in one process with in-memory twins.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Ed25519PrivateKey, Libp2p, PeerId } from '@libp2p/interface'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import type { CallContext, CommandName, Handlers, ParsedInput } from '../api/contract.ts'
import type { Group, PeerInfo, Receipt, VaultStatus } from '../api/domain.ts'
import { HearthError } from '../api/errors.ts'
import { CatchUpReporter } from './catch-up.ts'
import { PeerEvents } from './events.ts'
import {
  decodeInvite,
  encodeInvite,
  GroupReplica,
  HybridClock,
  makeJoinRequest,
  makeSigner,
  type ApplyResult,
  type Signer,
} from './groups/index.ts'
import { loadOrCreateDeviceKey } from './identity.ts'
import { createNode, type NodeOptions } from './node.ts'
import { isStorageFailure } from './storage/failure.ts'
import { GuardedStore } from './storage/guarded.ts'
import { MemoryStore } from './storage/memory.ts'
import { openDataFolderStore } from './storage/open.ts'
import type { KnownPeer, Store } from './storage/types.ts'
import { requestJoin, handleJoinProtocol } from './sync/join.ts'
import { Reconnector } from './sync/reconnect.ts'
import { handleAddrsProtocol, pushAddrs, type AddrsHost } from './sync/member-addrs.ts'
import type { GroupSync, SyncHost } from './sync/index.ts'
import { CodeBook, looksLikeCode, findAndRedeem, handleCodeProtocol } from './invites/index.ts'
import {
  BlobStore,
  type BlobHost,
  type BlobTransfer,
  type ServedChunk,
  type TransferLimits,
} from './shelves/index.ts'
import { ShelfFiles, type Download, type ShelfLimits } from './shelves/shelf-files.ts'
import { ReceiptBook, ReceiptsProtocol, type ReadMarker } from './receipts/index.ts'
import { carryHandlers, finishPendingRestore, type RestoreInPlace } from './carry/index.ts'
import {
  alreadyEncrypted,
  changePassphrase,
  headerMissing,
  headerMissingError,
  isSealed,
  notEncrypted,
  type ScryptParams,
  type Vault,
} from './vault/index.ts'

/** The version people see in About and in `hearth status`. */
export const HEARTH_VERSION = '0.1.0'

export interface PeerOptions {
  /** Data folder; omitted → everything in memory (tests). */
  dataDir?: string
  store?: Store
  privateKey?: Ed25519PrivateKey
  /** Display name; kept in the store. Defaults to the OS user name. */
  name?: string
  listen?: string[]
  /** Addresses to dial at start, for networks where multicast is blocked. */
  bootstrap?: string[]
  mdns?: boolean
  /** Extra libp2p options (tests use the memory transport). */
  node?: Partial<NodeOptions>
  now?: () => number
  /** Compact a group's stored updates into one snapshot after this many (restart stays fast). */
  compactEvery?: number
  /** Replaces this (unused) peer with a restored one; given by the host that can restart it. */
  restoreInPlace?: RestoreInPlace
  /** Shown in the status only: the data folder is a portable one (HearthData beside the program). */
  portable?: boolean
  /** Shelf limits (tests shorten the upload idle time). */
  shelf?: ShelfLimits
  /**
   * The unlocked vault of an encrypted data folder: then everything is stored sealed under
   * `vault.dir`. An encrypted folder without it is refused with LOCKED (see host.ts).
   */
  vault?: Vault
  /** scrypt parameters for a new passphrase; tests pass cheap ones. */
  kdf?: ScryptParams
  /** Shelf transfer tuning, and a hook told of every chunk served (usage figures, tests). */
  transfer?: { limits?: Partial<TransferLimits>; onServed?(chunk: ServedChunk): void }
}

export interface Peer {
  readonly peerId: string
  readonly libp2p: Libp2p
  readonly handlers: Handlers
  readonly events: PeerEvents
  addrs(): string[]
  /** The file a one-time download address (`shelf.exportLink`) names; the bridge serves it. */
  openDownload(ticket: string): Promise<Download | undefined>
  stop(): Promise<void>
}

const DEFAULT_INVITE_MS = 7 * 24 * 3600_000
const JOIN_TIMEOUT_MS = 30_000
const STRIKE_LIMIT = 5
const BLOCK_MS = 10 * 60_000

/** Below this, freeing bytes at once rather than at the next collection is not worth a thought. */
const RELEASE_MIN_BYTES = 1024 * 1024

/**
 * Frees the memory of bytes nobody needs any more (a loaded or written snapshot: tens of MB for
 * a long history) now, instead of at the garbage collector's next full collection, which can be
 * long after start-up. Only for arrays that alone own their buffer: the store copies bytes in and
 * out, so what it returns, and what we hand it, is ours.
 */
function releaseBytes(bytes: Uint8Array): void {
  // ES2024's ArrayBuffer.prototype.transfer: Node 22 has it, our TypeScript lib (ES2023) not yet.
  // Transferring to a new empty buffer detaches this one and frees its memory at once.
  const buffer = bytes.buffer as ArrayBufferLike & {
    readonly resizable?: boolean
    transfer?(length: number): ArrayBuffer
  }
  if (
    buffer instanceof ArrayBuffer &&
    buffer.transfer !== undefined &&
    buffer.resizable !== true &&
    bytes.byteOffset === 0 &&
    bytes.byteLength === buffer.byteLength &&
    bytes.byteLength >= RELEASE_MIN_BYTES
  ) {
    buffer.transfer(0)
  }
}

function defaultName(): string {
  try {
    const user = os.userInfo().username.trim()
    if (user) return user.slice(0, 64)
  } catch (err) {
    console.warn(`hearth: no OS user name (${String(err)}); using "Hearth user"`)
  }
  return 'Hearth user'
}

/**
 * Commands that change what is stored ask first whether it can be stored: while the data folder
 * is full, read-only or gone they fail at once with STORAGE_FAILED, before anything is applied
 * to a group or sent to anyone. (Reads, invites and exporting a shelf file go on.)
 */
const WRITE_COMMANDS = [
  'identity.setName',
  'groups.create',
  'groups.join',
  'groups.leave',
  'groups.remove',
  'groups.promote',
  'messages.send',
  'messages.edit',
  'messages.delete',
  'messages.react',
  'receipts.markRead',
  'shelf.add',
  'shelf.remove',
  'shelf.restore',
  'shelf.move',
  'shelf.beginUpload',
  'shelf.uploadChunk',
  'shelf.finishUpload',
  'shelf.download',
  'shelf.setKeep',
  'shelf.setPolicy',
  'shelf.free',
  'backup.restore',
  'bundle.import',
] as const satisfies readonly CommandName[]

function checkFirst<K extends CommandName>(handlers: Handlers, name: K, check: () => void): void {
  const run = handlers[name]
  handlers[name] = (async (input: ParsedInput<K>, ctx?: CallContext) => {
    check()
    return run(input, ctx)
  }) as Handlers[K]
}

/** A store that is not a folder's: a "reopen" after a failure hands back the same one. */
function guardMemory(store: Store): GuardedStore {
  return new GuardedStore({ open: () => store, release: () => {} })
}

export async function createPeer(options: PeerOptions = {}): Promise<Peer> {
  const now = options.now ?? Date.now
  const { vault } = options
  if (options.dataDir) fs.mkdirSync(options.dataDir, { recursive: true, mode: 0o700 })
  if (vault !== undefined && vault.dataDir !== options.dataDir) {
    throw new HearthError('BAD_INPUT', 'a vault opens only the data folder it belongs to')
  }
  if (vault === undefined && options.dataDir !== undefined && isSealed(options.dataDir)) {
    // Opening the plaintext layout here would start a new, empty identity beside the sealed one.
    throw new HearthError(
      'LOCKED',
      `The data folder ${options.dataDir} is encrypted; unlock it with its passphrase first.`,
    )
  }
  if (vault === undefined && options.dataDir !== undefined && headerMissing(options.dataDir)) {
    throw headerMissingError(options.dataDir)
  }
  /** Where the store, key file and blobs live: the data folder, or its sealed part. */
  const storageDir = vault?.dir ?? options.dataDir
  // A restore interrupted while moving its files into place is finished before anything opens.
  if (storageDir !== undefined) await finishPendingRestore(storageDir)
  const privateKey =
    options.privateKey ??
    (storageDir
      ? await loadOrCreateDeviceKey(storageDir, vault?.identity)
      : await generateKeyPair('Ed25519'))
  // The guard stops acknowledging when the medium fails and reopens it once it is back (the
  // device key, read above, tells our folder from another).
  // Sealing goes inside the guard, so a reopen after a fault seals again.
  const given = options.store
  const seal = (inner: Store): Store => (vault ? vault.store(inner) : inner)
  const store: GuardedStore =
    given !== undefined
      ? guardMemory(seal(given))
      : storageDir
        ? openDataFolderStore(storageDir, seal)
        : guardMemory(new MemoryStore())
  const signer: Signer = makeSigner(privateKey)
  const self = signer.peerId
  const clock = new HybridClock(now)
  const events = new PeerEvents()
  if (options.name) store.setSetting('name', options.name)
  let myName = store.getSetting('name') ?? defaultName()

  const replicas = new Map<string, GroupReplica>()
  let stopped = false
  let storeClosed = false
  /** Local writes on their way to disk, per group, in order. */
  const pendingLocal = new Map<string, Promise<void>>()
  /** Resolves once every local write made so far in `groupId` is fsynced (rejects if one failed). */
  const durable = (groupId: string): Promise<void> => pendingLocal.get(groupId) ?? Promise.resolve()
  /** Remote updates applied but not yet stored, in apply order (see `storeRemote`). */
  const pendingRemote: { replica: GroupReplica; update: Uint8Array }[] = []
  /**
   * Stores the remote updates applied so far. Nobody waits on their durability (if we crash
   * first, the sender still has them and the next sync brings them back), so they are written,
   * without an fsync, once the turn that applied them is over: the UI hears of the messages and a catch-up is
   * reported synced without waiting for the disk. Rows keep apply order; only one group's own
   * rows depend on each other, and a snapshot taken meanwhile already holding one is harmless.
   */
  const storeRemote = (): void => {
    for (const { replica, update } of pendingRemote.splice(0)) {
      if (replicas.get(replica.groupId) !== replica) continue
      try {
        // No fsync of our own: the sender holds the update too (and our next local write's
        // fsync covers it), so a message received never waits for the disk.
        store.appendUpdate(replica.groupId, update, { durable: false })
      } catch (err) {
        // While the data folder is away the replica keeps the update, and the recovery writes
        // it with the rest; the guard has told the person once.
        if (isStorageFailure(err)) continue
        console.error(
          `hearth: could not store an update of ${replica.groupId}; it will sync again:`,
          err,
        )
      }
    }
  }
  /** Groups being joined: which peers we accept the first sync from before we hold the genesis. */
  const joining = new Map<string, Set<string>>()
  const strikes = new Map<string, { count: number; blockedUntil: number }>()
  const codeBook = new CodeBook(now)
  const compactEvery = options.compactEvery ?? 1000
  const catchUp = new CatchUpReporter((progress) => events.emit('catchUpProgressed', progress))

  const isBlocked = (peerId: string) => (strikes.get(peerId)?.blockedUntil ?? 0) > now()

  // The membership gate: every protocol asks this before sending or accepting a byte of a group.
  const isMember = (groupId: string, peerId: string): boolean => {
    const replica = replicas.get(groupId)
    if (!replica || isBlocked(peerId)) return false
    if (replica.hasGenesis() && replica.isMember(self)) return replica.isMember(peerId)
    return joining.get(groupId)?.has(peerId) ?? false
  }

  const receiptBook = new ReceiptBook({ store, signer, now, isMember })
  /** Groups whose receipts changed this turn: one event each, however many markers arrived. */
  const receiptsDirty = new Set<string>()
  const receiptsChanged = (groupId: string) => {
    if (receiptsDirty.size === 0) setImmediate(flushReceipts)
    receiptsDirty.add(groupId)
  }
  const flushReceipts = () => {
    const groups = [...receiptsDirty]
    receiptsDirty.clear()
    if (stopped) return
    for (const groupId of groups) {
      if (replicas.get(groupId)?.hasGenesis() !== true) continue
      events.emit('receiptsChanged', { groupId, receipts: receiptView(groupId) })
    }
  }
  const receiptView = (groupId: string): Receipt[] =>
    receiptBook.markers(groupId).map((m: ReadMarker) => ({
      peerId: m.reader,
      messageId: m.id,
      ts: m.ts,
    }))

  const syncHost: SyncHost = {
    groupsSharedWith: (peerId) => [...replicas.keys()].filter((g) => isMember(g, peerId)),
    isMember,
    stateVector: (groupId) => mustReplica(groupId).stateVector(),
    diff: (groupId, sv) => mustReplica(groupId).diff(sv),
    applyRemote: (groupId, update, from, sentTo): Promise<ApplyResult> =>
      mustReplica(groupId).applyRemote(update, from, sentTo),
  }

  // Shelf files live beside the rest of the data; in memory mode, in a temp folder removed on stop.
  const blobDir = storageDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-blobs-'))
  const blobs = await BlobStore.open(blobDir, vault ? { sealing: vault.blobs } : {})
  const blobHost: BlobHost = {
    sharesAGroup: (peerId) => [...replicas.keys()].some((g) => isMember(g, peerId)),
    mayRead: (groupId, peerId, blobId) =>
      isMember(groupId, peerId) && (replicas.get(groupId)?.shelfHoldsBlob(blobId) ?? false),
  }
  // Its collaborators are read when a command or an event runs, after the node below exists.
  const shelf = new ShelfFiles({
    store: blobs,
    transfer: () => libp2p.services.blob as BlobTransfer,
    memberGroup: (ref) => memberOf(resolveGroup(ref)),
    ownGroup: (groupId) => {
      const replica = replicas.get(groupId)
      return replica?.hasGenesis() === true && replica.isMember(self) ? replica : undefined
    },
    ownGroups: () => [...replicas.values()].filter((r) => r.hasGenesis() && r.isMember(self)),
    sources: (groupId) => libp2p.getPeers().filter((p) => isMember(groupId, p.toString())),
    durable,
    events,
    settings: store,
    ...(options.shelf !== undefined && { limits: options.shelf }),
  })

  /** Fetches a group's small shelf files; not while nothing can be saved (resumed on recovery). */
  function autoDownload(groupId: string): void {
    if (store.health.writable) shelf.autoDownload(groupId)
  }

  const libp2p = await startNode(options.listen)
  async function startNode(listen: string[] | undefined) {
    // By default, come back on the port we had last time: members (and `--peer` users) who know
    // our address can then reach us after a restart without waiting for mDNS. If that port is
    // taken now, any free port will do.
    const remembered = Number(store.getSetting('tcpPort'))
    const attempts =
      listen !== undefined
        ? [listen]
        : Number.isInteger(remembered) && remembered > 0
          ? [[`/ip4/0.0.0.0/tcp/${remembered}`], ['/ip4/0.0.0.0/tcp/0']]
          : [['/ip4/0.0.0.0/tcp/0']]
    for (const [i, addrs] of attempts.entries()) {
      try {
        const node = await createLibp2pNode(addrs)
        if (listen === undefined) {
          const port = node
            .getMultiaddrs()[0]
            ?.getComponents()
            .find((c) => c.name === 'tcp')?.value
          if (port !== undefined) store.setSetting('tcpPort', port)
        }
        return node
      } catch (err) {
        if (i === attempts.length - 1) throw err
        console.warn(`hearth: port ${remembered} is taken (${String(err)}); using another one`)
      }
    }
    throw new HearthError('INTERNAL', 'no address to listen on')
  }

  function createLibp2pNode(listen: string[]) {
    return createNode({
      privateKey,
      listen,
      mdns: options.mdns ?? true,
      syncHost,
      isBlocked,
      onStrike: (peerId, reason) => strike(peerId, reason),
      onSynced: (groupId, peerId) => {
        events.emit('groupSynced', { groupId, peerId })
        autoDownload(groupId)
      },
      blob: {
        store: blobs,
        host: blobHost,
        onStrike: (peerId, reason) => strike(peerId, reason),
        limits: options.transfer?.limits,
        onServed: options.transfer?.onServed,
      },
      ...options.node,
    })
  }
  const sync = libp2p.services.sync as GroupSync
  const reconnector = new Reconnector(libp2p)
  const receipts = new ReceiptsProtocol(libp2p, receiptBook, {
    groupsSharedWith: (peerId) => syncHost.groupsSharedWith(peerId),
    isMember,
    connected: () => libp2p.getPeers(),
    onStrike: (peerId, reason) => strike(peerId, reason),
    onChanged: receiptsChanged,
  })
  await receipts.start()

  function strike(peerId: string, reason: string) {
    // Data for a group we do not (yet) see the sender in is usually membership lag — it was just
    // added and we have not heard — so it is dropped by the gate but never grounds for blocking.
    if (reason.includes('not a member')) {
      console.warn(`hearth: dropped data from ${peerId}: ${reason}`)
      return
    }
    const entry = strikes.get(peerId) ?? { count: 0, blockedUntil: 0 }
    entry.count++
    console.warn(`hearth: peer ${peerId} misbehaved (${reason}); strike ${entry.count}`)
    if (entry.count >= STRIKE_LIMIT) {
      entry.blockedUntil = now() + BLOCK_MS
      entry.count = 0
      void libp2p.hangUp(peerIdFromString(peerId)).catch((err: unknown) => {
        console.warn(`hearth: could not hang up on ${peerId}: ${String(err)}`)
      })
    }
    strikes.set(peerId, entry)
  }

  function mustReplica(groupId: string): GroupReplica {
    const replica = replicas.get(groupId)
    if (!replica) throw new HearthError('GROUP_NOT_FOUND', `there is no group ${groupId}`)
    return replica
  }

  function resolveGroup(ref: string): GroupReplica {
    const byId = replicas.get(ref)
    if (byId?.hasGenesis()) return byId
    const wanted = ref.trim().toLocaleLowerCase()
    const named = [...replicas.values()].filter(
      (r) => r.hasGenesis() && r.name().toLocaleLowerCase() === wanted,
    )
    if (named.length === 1) return named[0] as GroupReplica
    if (named.length > 1) {
      throw new HearthError(
        'GROUP_AMBIGUOUS',
        `more than one group is called "${ref}"; use its id: ${named.map((r) => r.groupId).join(', ')}`,
      )
    }
    throw new HearthError('GROUP_NOT_FOUND', `you are in no group called "${ref}"`)
  }

  function memberOf(replica: GroupReplica): GroupReplica {
    if (!replica.isMember(self)) {
      throw new HearthError('NOT_A_MEMBER', `you are no longer a member of "${replica.name()}"`)
    }
    return replica
  }

  const bootstrapPeers = new Set<string>()

  /** Keep every member of every group we are in dialed; stop redialing anyone who is not. */
  function wantMembers() {
    const wanted = new Set(bootstrapPeers)
    for (const replica of replicas.values()) {
      if (!replica.hasGenesis() || !replica.isMember(self)) continue
      for (const peerId of replica.membership().members.keys()) {
        if (peerId !== self) wanted.add(peerId)
      }
    }
    for (const peerId of reconnector.wanted()) {
      if (!wanted.has(peerId)) reconnector.forget(peerId)
    }
    for (const peerId of wanted) {
      if (!reconnector.wanted().includes(peerId)) reconnector.want(peerId)
    }
  }

  function attach(replica: GroupReplica) {
    const groupId = replica.groupId
    replicas.set(groupId, replica)
    receiptBook.load(groupId)
    let sinceCompaction = store.updateCount(groupId)
    let compactionQueued = false
    const compact = () => {
      compactionQueued = false
      if (stopped || replicas.get(groupId) !== replica || !store.health.writable) return
      try {
        // Snapshot and sequence number are read together, so the snapshot covers every row it
        // drops.
        const snapshot = replica.snapshot()
        store.compact(groupId, snapshot, store.lastSeq(groupId))
        releaseBytes(snapshot)
        sinceCompaction = 0
      } catch (err) {
        // The rows are all still there; the guard has said why, and compaction comes round again.
        if (!isStorageFailure(err)) console.error(`hearth: compacting ${groupId} failed:`, err)
      }
    }
    replica.on('update', (update, from, sentTo) => {
      if (from === null) {
        // Hand our own update to the network first: the frames go out while we wait for disk.
        sync.broadcast(groupId, update)
      } else {
        // Relayed once the transaction is over: this peer's own `messageAdded` goes out first,
        // instead of after a copy for every other member.
        queueMicrotask(() => {
          if (!stopped) sync.broadcast(groupId, update, from, sentTo)
        })
      }
      if (from === null) {
        // The fsync waits one turn of the event loop, so the frames just queued reach the
        // network first; the command that made the write replies only after `durable()`.
        const previous = pendingLocal.get(groupId) ?? Promise.resolve()
        const write = () => {
          if (storeClosed) throw new HearthError('PEER_STOPPED', 'the peer stopped before saving')
          store.appendUpdate(groupId, update)
        }
        const afterTurn = () => new Promise<void>((resolve) => setImmediate(resolve)).then(write)
        // Each write waits for the one before it, whether that one worked or not: rows stay in
        // order, and each command hears about its own write's fate.
        const done = previous.then(afterTurn, afterTurn)
        pendingLocal.set(groupId, done)
        const forget = () => {
          if (pendingLocal.get(groupId) === done) pendingLocal.delete(groupId)
        }
        done.then(forget, forget)
      } else {
        if (pendingRemote.length === 0) {
          setImmediate(() => {
            if (!stopped) storeRemote()
          })
        }
        pendingRemote.push({ replica, update })
      }
      // Compacting re-encodes the whole history, so it runs after the reply, and only once the
      // rows since the last snapshot are a tenth of the history: restart stays within ~10% of
      // loading one snapshot, and the cost per message stays flat as the group grows.
      const threshold = Math.max(compactEvery, Math.floor(replica.messageCount() / 10))
      if (++sinceCompaction >= threshold && !compactionQueued) {
        compactionQueued = true
        setImmediate(compact)
      }
    })
    replica.on('messageAdded', (message) => events.emit('messageAdded', { groupId, message }))
    replica.on('messageChanged', (message) => events.emit('messageChanged', { groupId, message }))
    replica.on('shelfChanged', () => {
      events.emit('shelfChanged', { groupId })
      autoDownload(groupId)
    })
    replica.on('catchUpChanged', () => catchUp.changed(groupId, replica.catchUp()))
    replica.on('membershipChanged', () => {
      if (!replica.hasGenesis()) return
      if (replica.isMember(self)) {
        joining.delete(groupId)
        events.emit('groupChanged', { group: replica.group(self) })
      } else if (!joining.has(groupId)) {
        // We were removed (or left from another device): the history stays readable here,
        // but the group no longer counts as ours.
        events.emit('groupLeft', { groupId })
      }
      wantMembers()
      // The opening step 1s went out once per connection, and one of them may have been refused
      // because one side had not heard of the other's membership yet: sync the group again with
      // every connected member, now that both may see each other (docs/PROTOCOL.md).
      sync.openGroup(groupId)
      // A new member has to learn where the others are; the others where it is.
      for (const peer of libp2p.getPeers()) {
        if (isMember(groupId, peer.toString())) shareAddrs(peer)
      }
      // Who counts changed (a removed member's marker no longer does), and a new member has
      // none of the markers yet.
      receiptsChanged(groupId)
      receipts.shareGroup(groupId)
    })
    wantMembers()
  }

  // Load every group we hold; trusted local state, so nothing is re-verified (fast cold start).
  for (const { groupId } of store.listGroups()) {
    const updates = store.loadUpdates(groupId)
    const replica = GroupReplica.load(groupId, updates, { signer, clock, now })
    for (const update of updates) releaseBytes(update)
    if (store.updateCount(groupId) > 64) {
      const snapshot = replica.snapshot()
      store.compact(groupId, snapshot, store.lastSeq(groupId))
      releaseBytes(snapshot)
    }
    attach(replica)
  }
  for (const known of store.knownPeers()) {
    try {
      await libp2p.peerStore.merge(peerIdFromString(known.peerId), {
        multiaddrs: known.addrs.map((a) => multiaddr(a)),
      })
    } catch (err) {
      console.warn(`hearth: ignoring stored addresses of ${known.peerId}: ${String(err)}`)
    }
  }

  // Hearth peers mDNS saw on this LAN that are not members of our groups: counted, never dialed.
  const nearby = new Map<string, number>()
  libp2p.addEventListener('peer:discovery', (event) => {
    const peerId = event.detail.id.toString()
    if (peerId === self || isKnownMember(peerId)) return
    nearby.set(peerId, now())
    // Forget peers not heard of for five minutes (mDNS answers every few seconds while they run).
    for (const [id, seenAt] of nearby) if (now() - seenAt > 5 * 60_000) nearby.delete(id)
  })

  libp2p.addEventListener('peer:connect', (event) => {
    const peerId = event.detail.toString()
    if (isKnownMember(peerId)) events.emit('peerConnected', { peerId })
  })
  libp2p.addEventListener('peer:disconnect', (event) => {
    const peerId = event.detail.toString()
    if (!isKnownMember(peerId)) return
    // "Last seen" is the moment the last connection closed; the addresses stay as they were.
    rememberSeen(peerId)
    events.emit('peerDisconnected', { peerId })
  })

  function rememberSeen(peerId: string) {
    if (storeClosed || !store.health.writable) return
    try {
      const known = store.knownPeers().find((p) => p.peerId === peerId)
      store.rememberPeer(peerId, known?.addrs ?? [], now())
    } catch (err) {
      console.warn(`hearth: could not note when ${peerId} was last seen: ${String(err)}`)
    }
  }
  libp2p.addEventListener('peer:identify', (event) => {
    const peerId = event.detail.peerId.toString()
    if (!isKnownMember(peerId)) return
    const addrs = event.detail.listenAddrs.map((a: Multiaddr) => a.toString())
    if (store.health.writable) {
      try {
        store.rememberPeer(peerId, addrs, now())
      } catch (err) {
        // Addresses are a convenience: identify brings them again on the next connection.
        console.warn(`hearth: could not remember where ${peerId} listens: ${String(err)}`)
      }
    }
    shareAddrs(event.detail.peerId)
    receipts.shareWith(event.detail.peerId)
  })

  const addrsHost: AddrsHost = {
    addrsFor(peerId) {
      const known = knownAddrs()
      const out = new Map<string, string[]>()
      for (const replica of replicas.values()) {
        if (!isMember(replica.groupId, peerId) || !replica.isMember(self)) continue
        for (const member of replica.membership().members.keys()) {
          if (member === self || member === peerId || out.has(member)) continue
          const addrs = [...new Set([...dialedAddrs(member), ...(known.get(member) ?? [])])]
          if (addrs.length > 0) out.set(member, addrs)
        }
      }
      return [...out].map(([member, addrs]) => ({ peerId: member, addrs }))
    },
    vouches: (from, subject) =>
      [...replicas.values()].some((r) => isMember(r.groupId, from) && r.isMember(subject)),
    onStrike: (peerId, reason) => strike(peerId, reason),
  }
  await handleAddrsProtocol(libp2p, addrsHost)

  function shareAddrs(peer: PeerId) {
    pushAddrs(libp2p, peer, addrsHost).catch((err: unknown) => {
      console.warn(`hearth: could not tell ${peer.toString()} where members are: ${String(err)}`)
    })
  }

  /** What the store knows of peers; nothing while it cannot be read (live connections still count). */
  function knownPeers(): KnownPeer[] {
    try {
      return store.knownPeers()
    } catch (err) {
      if (!isStorageFailure(err)) throw err
      return []
    }
  }

  /** Where members were last seen. */
  function knownAddrs(): Map<string, string[]> {
    return new Map(knownPeers().map((p) => [p.peerId, p.addrs]))
  }

  function isKnownMember(peerId: string): boolean {
    for (const replica of replicas.values()) {
      if (replica.hasGenesis() && replica.isMember(peerId)) return true
    }
    return false
  }

  await handleJoinProtocol(libp2p, {
    admit: async (inviteText, request, remotePeerId) => {
      const invite = decodeInvite(inviteText)
      const replica = replicas.get(invite.group)
      // Say nothing about groups we are not in: the same answer as for a forged invite.
      if (!replica?.hasGenesis() || !replica.isMember(self)) {
        throw new HearthError('INVITE_INVALID', 'this invite is not valid')
      }
      // An admission we cannot keep is not made: the joiner tries another member.
      store.assertWritable()
      replica.admit(invite, request as Parameters<GroupReplica['admit']>[1], remotePeerId)
      await durable(replica.groupId)
      return { groupId: replica.groupId }
    },
  })
  await handleCodeProtocol(libp2p, codeBook)

  // Explicit addresses (networks where multicast is blocked): the person asked for these peers,
  // so they are kept dialed like members, and known to the code protocol before any dial ends.
  for (const text of options.bootstrap ?? []) {
    const addr = multiaddr(text)
    const id = addr.getComponents().find((c) => c.name === 'p2p')?.value
    if (id === undefined) {
      throw new HearthError('BAD_INPUT', `--peer ${text} must end with /p2p/<peer id>`)
    }
    await libp2p.peerStore.merge(peerIdFromString(id), { multiaddrs: [addr] })
    bootstrapPeers.add(id)
    reconnector.want(id, [text])
  }
  reconnector.start()
  // In the background: start-up must not wait for the blob store to be swept.
  shelf.start()

  function peerName(peerId: string): string {
    if (peerId === self) return myName
    for (const replica of replicas.values()) {
      const member = replica.hasGenesis() ? replica.membership().members.get(peerId) : undefined
      if (member) return member.name
    }
    return ''
  }

  function ourAddrs(): string[] {
    return libp2p.getMultiaddrs().map((a) => a.toString())
  }

  async function join(text: string): Promise<{ groupId: string }> {
    const inviteText = looksLikeCode(text)
      ? await findAndRedeem(libp2p, await codeCandidates(), text, {
          signal: AbortSignal.timeout(60_000),
        })
      : text
    const invite = decodeInvite(inviteText)
    const existing = replicas.get(invite.group)
    if (existing?.hasGenesis() && existing.isMember(self)) return { groupId: invite.group }
    if (invite.expiresAt <= now())
      throw new HearthError('INVITE_EXPIRED', 'this invite has expired; ask for a new one')
    const request = makeJoinRequest(invite, signer, myName, clock.tick())
    const failures: string[] = []
    for (const member of invite.members) {
      if (member.peerId === self) continue
      const target = peerIdFromString(member.peerId)
      try {
        await libp2p.peerStore.merge(target, { multiaddrs: member.addrs.map((a) => multiaddr(a)) })
        const replica =
          replicas.get(invite.group) ?? GroupReplica.empty(invite.group, { signer, clock, now })
        joining.set(invite.group, new Set([member.peerId]))
        if (!replicas.has(invite.group)) {
          store.addGroup(invite.group, now())
          attach(replica)
        }
        await requestJoin(libp2p, target, encodeInvite(invite), request, {
          signal: AbortSignal.timeout(15_000),
        })
        sync.openGroup(invite.group)
        await waitForMembership(replica)
        return { groupId: invite.group }
      } catch (err) {
        if (err instanceof HearthError && err.code.startsWith('INVITE')) {
          forgetUnjoined(invite.group)
          throw err
        }
        failures.push(`${member.peerId}: ${err instanceof Error ? err.message : String(err)}`)
      }
    }
    forgetUnjoined(invite.group)
    throw new HearthError(
      'NO_MEMBER_REACHABLE',
      `no member of the group could be reached; try again when one of them is online${failures.length ? ` (${failures.join('; ')})` : ''}`,
    )
  }

  function forgetUnjoined(groupId: string) {
    const replica = replicas.get(groupId)
    if (replica && !replica.hasGenesis()) {
      replica.destroy()
      replicas.delete(groupId)
      store.removeGroup(groupId)
    }
    joining.delete(groupId)
  }

  function waitForMembership(replica: GroupReplica): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = () => replica.hasGenesis() && replica.isMember(self)
      if (done()) return resolve()
      const timer = setTimeout(() => {
        off()
        reject(
          new HearthError('TIMEOUT', 'the member admitted us but the group did not arrive in time'),
        )
      }, JOIN_TIMEOUT_MS)
      const off = replica.on('membershipChanged', () => {
        if (!done()) return
        clearTimeout(timer)
        off()
        resolve()
      })
    })
  }

  /**
   * Where a typed short code may be held: Hearth peers we are connected to first, then the ones
   * mDNS found on this LAN. Dialing those strangers is the one exception to "never dial a
   * stranger", made only when the person types a code; the code protocol reveals nothing to them.
   */
  async function codeCandidates(): Promise<PeerId[]> {
    const connected = libp2p.getPeers()
    const seen = new Set(connected.map((p) => p.toString()))
    const discovered = (await libp2p.peerStore.all())
      .filter((p) => p.addresses.length > 0 && !seen.has(p.id.toString()))
      .map((p) => p.id)
    return [...connected, ...discovered]
  }

  function groupView(replica: GroupReplica): Group {
    return replica.group(self)
  }

  const handlers: Handlers = {
    'identity.get': async () => ({ peerId: self, name: myName }),
    'identity.setName': async ({ name }) => {
      store.setSetting('name', name)
      myName = name
      // The other members know us by the name in each group's membership: tell every group.
      const renamed = [...replicas.values()].filter(
        (r) => r.hasGenesis() && r.isMember(self) && r.setMemberName(name),
      )
      await Promise.all(renamed.map((r) => durable(r.groupId)))
      return { peerId: self, name }
    },
    'status.get': async () => ({
      peerId: self,
      name: myName,
      addrs: ourAddrs(),
      connectedPeers: libp2p.getPeers().length,
      groups: [...replicas.values()].filter((r) => r.hasGenesis()).length,
      nearbyPeers: [...nearby.keys()].filter((id) => !isKnownMember(id)).length,
      catchingUp: catchUp.active(),
      dataDir: options.dataDir ?? null,
      version: HEARTH_VERSION,
      portable: options.portable ?? false,
      storage: store.health,
      encrypted: vault !== undefined,
    }),
    // A running peer is never locked; host.ts answers these while it is, and restarts the peer
    // to turn encryption on.
    'vault.status': async () => vaultStatus(),
    'vault.unlock': async () => {
      if (vault === undefined) throw notEncrypted()
      return vaultStatus()
    },
    'vault.enable': async () => {
      if (vault !== undefined) throw alreadyEncrypted()
      throw new HearthError(
        'BAD_INPUT',
        'Turning encryption on restarts the peer, which only `hearth serve` and the desktop app do.',
      )
    },
    'vault.changePassphrase': async ({ current, next }) => {
      if (vault === undefined) throw notEncrypted()
      await changePassphrase(vault.dataDir, current, next, options.kdf)
      const status = vaultStatus()
      events.emit('vaultChanged', status)
      return status
    },
    'groups.list': async () =>
      [...replicas.values()].filter((r) => r.hasGenesis() && r.isMember(self)).map(groupView),
    'groups.create': async ({ name }) => {
      const replica = GroupReplica.create(name, { signer, clock, now, memberName: myName })
      store.addGroup(replica.groupId, now())
      for (const update of [replica.snapshot()]) store.appendUpdate(replica.groupId, update)
      attach(replica)
      const invite = replica.createInvite({
        uses: 1000,
        expiresAt: now() + DEFAULT_INVITE_MS,
        members: [{ peerId: self, addrs: ourAddrs() }],
      })
      return { groupId: replica.groupId, invite: encodeInvite(invite) }
    },
    'groups.invite': async ({ group, uses, expiresInMs }) => {
      const replica = memberOf(resolveGroup(group))
      const invite = replica.createInvite({
        uses: uses ?? 1000,
        expiresAt: now() + (expiresInMs ?? DEFAULT_INVITE_MS),
        members: await inviteMembers(replica),
      })
      return { invite: encodeInvite(invite) }
    },
    'groups.code': async ({ group }) => {
      const replica = memberOf(resolveGroup(group))
      const invite = replica.createInvite({
        uses: 1,
        expiresAt: now() + 10 * 60_000,
        members: await inviteMembers(replica),
      })
      return codeBook.issue(replica.groupId, encodeInvite(invite), now())
    },
    'groups.join': async ({ invite }) => join(invite),
    'groups.leave': async ({ group }) => {
      const replica = memberOf(resolveGroup(group))
      replica.leave()
      await durable(replica.groupId)
      replicas.delete(replica.groupId)
      replica.destroy()
      store.removeGroup(replica.groupId)
      receiptBook.forget(replica.groupId)
      wantMembers()
      events.emit('groupLeft', { groupId: replica.groupId })
      shelf.groupLeft()
      return {}
    },
    'groups.remove': async ({ group, peerId }) => {
      const replica = memberOf(resolveGroup(group))
      replica.removeMember(peerId)
      await durable(replica.groupId)
      return {}
    },
    'groups.promote': async ({ group, peerId }) => {
      const replica = memberOf(resolveGroup(group))
      replica.promote(peerId)
      await durable(replica.groupId)
      return {}
    },
    'messages.list': async ({ group, limit }) => resolveGroup(group).messages(limit ?? 50),
    'messages.send': async ({ group, text, replyTo, attachments }) => {
      const replica = memberOf(resolveGroup(group))
      const messageId = replica.sendMessage(text, replyTo ?? null, attachments ?? [])
      // "Acknowledged means fsynced": reply only once the message is on disk.
      await durable(replica.groupId)
      return { messageId }
    },
    'messages.edit': async ({ group, messageId, text }) => {
      const replica = memberOf(resolveGroup(group))
      replica.editMessage(messageId, text)
      await durable(replica.groupId)
      return {}
    },
    'messages.delete': async ({ group, messageId }) => {
      const replica = memberOf(resolveGroup(group))
      replica.deleteMessage(messageId)
      await durable(replica.groupId)
      return {}
    },
    'messages.react': async ({ group, messageId, emoji, on }) => {
      const replica = memberOf(resolveGroup(group))
      replica.react(messageId, emoji, on ?? true)
      await durable(replica.groupId)
      return {}
    },
    'receipts.list': async ({ group }) => receiptView(memberOf(resolveGroup(group)).groupId),
    'receipts.markRead': async ({ group, messageId }) => {
      const replica = memberOf(resolveGroup(group))
      const message = replica.message(messageId)
      if (message === undefined) {
        throw new HearthError('MESSAGE_NOT_FOUND', 'there is no such message in this group')
      }
      const marker = receiptBook.markRead(replica.groupId, { ts: message.ts, id: message.id })
      if (marker !== null) {
        receipts.published(marker)
        receiptsChanged(replica.groupId)
      }
      return {}
    },
    'peers.list': async () => {
      const seenAt = new Map(knownPeers().map((p) => [p.peerId, p.seenAt]))
      const peers = new Map<string, PeerInfo>()
      for (const replica of replicas.values()) {
        if (!replica.hasGenesis()) continue
        for (const peerId of replica.membership().members.keys()) {
          if (peerId === self) continue
          const connections = libp2p.getConnections(peerIdFromString(peerId))
          const connected = connections.length > 0
          const info = peers.get(peerId) ?? {
            peerId,
            name: peerName(peerId),
            connected,
            addrs: connections.map((c) => c.remoteAddr.toString()),
            groups: [],
            lastSeen: connected ? now() : (seenAt.get(peerId) ?? null),
          }
          info.groups.push(replica.groupId)
          peers.set(peerId, info)
        }
      }
      return [...peers.values()]
    },
    'shelf.add': (input) => shelf.add(input),
    'shelf.list': (input) => shelf.list(input),
    'shelf.get': (input, ctx) => shelf.get(input, ctx),
    'shelf.download': async (input) => {
      await shelf.download(input)
      return {}
    },
    'shelf.cancel': async (input) => {
      await shelf.cancel(input)
      return {}
    },
    'shelf.remove': async (input) => {
      await shelf.remove(input)
      return {}
    },
    'shelf.restore': async (input) => {
      await shelf.restore(input)
      return {}
    },
    'shelf.move': async (input) => {
      await shelf.move(input)
      return {}
    },
    'shelf.setKeep': async (input) => {
      await shelf.setKeep(input)
      return {}
    },
    'shelf.policy': (input) => shelf.policy(input),
    'shelf.setPolicy': (input) => shelf.setPolicy(input),
    'shelf.storage': () => shelf.storage(),
    'shelf.free': () => shelf.free(),
    'shelf.beginUpload': (input, ctx) => shelf.beginUpload(input, ctx),
    'shelf.uploadChunk': (input, ctx) => shelf.uploadChunk(input, ctx),
    'shelf.finishUpload': (input, ctx) => shelf.finishUpload(input, ctx),
    'shelf.cancelUpload': async (input, ctx) => {
      await shelf.cancelUpload(input, ctx)
      return {}
    },
    'shelf.read': (input) => shelf.read(input),
    'shelf.exportLink': (input) => shelf.exportLink(input),
    ...carryHandlers({
      store,
      blobs,
      privateKey,
      self,
      name: () => myName,
      version: HEARTH_VERSION,
      now,
      durable,
      memberGroup: (ref) => memberOf(resolveGroup(ref)),
      heldGroup: (groupId) => replicas.get(groupId),
      shelfChanged: (groupId) => {
        // Files arrived behind the shelf's back (a bundle): it looks at the disk again.
        shelf.blobsArrived(groupId)
        events.emit('shelfChanged', { groupId })
      },
      readMarkers: (groupId) => receiptBook.markers(groupId),
      takeMarkers: (groupId, markers) => {
        // As from a member we met: the book checks each marker and keeps what moves forward.
        if (receiptBook.accept(self, markers).byGroup.size === 0) return
        receipts.shareGroup(groupId)
        receiptsChanged(groupId)
      },
      restoreInPlace: options.dataDir === undefined ? undefined : options.restoreInPlace,
    }),
  }
  for (const name of WRITE_COMMANDS) checkFirst(handlers, name, () => store.assertWritable())

  // Back from a fault: before anything is acknowledged again, every group's replica — which
  // holds what was refused mid-write and what members sent meanwhile — goes to disk as one
  // snapshot. Then files that could not be fetched are fetched.
  store.setRecover((disk) => {
    for (const { groupId } of disk.listGroups()) {
      const replica = replicas.get(groupId)
      if (replica) disk.compact(groupId, replica.snapshot(), disk.lastSeq(groupId))
    }
  })
  store.onChange((health) => {
    events.emit('storageChanged', health)
    if (health.writable) for (const groupId of replicas.keys()) autoDownload(groupId)
  })

  function vaultStatus(): VaultStatus {
    return { state: vault ? 'unlocked' : 'off', portable: options.portable ?? false }
  }

  /**
   * Addresses we reached a peer at ourselves. The remote address of a connection the peer opened
   * to us is its outgoing port, where nothing listens: an invite naming it fails to connect.
   */
  function dialedAddrs(peerId: string): string[] {
    return libp2p
      .getConnections(peerIdFromString(peerId))
      .filter((c) => c.direction === 'outbound')
      .map((c) => c.remoteAddr.toString())
  }

  async function inviteMembers(
    replica: GroupReplica,
  ): Promise<{ peerId: string; addrs: string[] }[]> {
    const known = knownAddrs()
    const members = [{ peerId: self, addrs: ourAddrs() }]
    for (const peerId of replica.membership().members.keys()) {
      if (peerId === self) continue
      // Listen addresses from identify, even for a peer that connected before it was a member.
      const listening = (await libp2p.peerStore.has(peerIdFromString(peerId)))
        ? (await libp2p.peerStore.get(peerIdFromString(peerId))).addresses.map((a) =>
            a.multiaddr.toString(),
          )
        : []
      const addrs = [
        ...new Set([...dialedAddrs(peerId), ...listening, ...(known.get(peerId) ?? [])]),
      ].slice(0, 8)
      if (addrs.length > 0) members.push({ peerId, addrs })
    }
    // An invite must stay small enough to paste and to fit a QR code.
    return members.slice(0, 16)
  }

  return {
    peerId: self,
    libp2p,
    handlers,
    events,
    addrs: ourAddrs,
    openDownload: (ticket) => shelf.openDownload(ticket),
    async stop() {
      if (stopped) return
      stopped = true
      reconnector.stop()
      await shelf.stop()
      catchUp.stop()
      // Whoever is still connected was seen until now.
      for (const peer of libp2p.getPeers()) {
        if (isKnownMember(peer.toString())) rememberSeen(peer.toString())
      }
      // Writes already acknowledged-to-be are finished before the store closes.
      await Promise.allSettled(pendingLocal.values())
      await libp2p.stop()
      // Whatever arrived until the network stopped is kept, so a clean stop needs no resync.
      storeRemote()
      for (const replica of replicas.values()) replica.destroy()
      storeClosed = true
      store.close()
      if (storageDir === undefined) fs.rmSync(blobDir, { recursive: true, force: true })
    },
  }
}
