// Test-only helpers for the sync tests: a SyncHost backed by real Y.Docs, in-process libp2p
// nodes on the memory transport, and a way to wait for a condition that is re-checked on every
// event (never on a clock). Imported by *.test.ts only.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { memory } from '@libp2p/memory'
import { isDeepStrictEqual } from 'node:util'
import * as Y from 'yjs'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode } from '../node.ts'
import { FrameDecoder } from './frames.ts'
import { defaultSyncLimits } from './group-sync.ts'
import { SYNC_PROTOCOL, readSyncMessage } from './messages.ts'
import type { SyncMessage } from './messages.ts'
import type { TestContext } from 'node:test'
import type { ApplyResult, GroupSync, SyncHost, SyncLimits } from './group-sync.ts'
import type { DefaultServices, NodeOptions } from '../node.ts'
import type { Libp2p, ServiceMap, Stream } from '@libp2p/interface'

/** Re-checks conditions whenever something happened; the timeout only turns a hang into a failure. */
export class Signal {
  readonly #waiters = new Set<() => void>()

  notify = (): void => {
    for (const w of [...this.#waiters]) w()
  }

  until(cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      if (cond()) return resolve()
      const check = (): void => {
        if (!cond()) return
        this.#waiters.delete(check)
        clearTimeout(timer)
        resolve()
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(check)
        reject(new Error(`never happened: ${what}`))
      }, timeoutMs)
      this.#waiters.add(check)
    })
  }
}

/** Group ids must look like real ones (26 chars of base32). */
export function groupIdFor(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z2-7]/g, 'a')
    .padEnd(26, 'a')
    .slice(0, 26)
}

export interface ApplyRecord {
  groupId: string
  from: string
  kind: ApplyResult['kind']
}

/** Origin of remote applies, so the relay can tell whom not to echo an update back to. */
export interface RemoteOrigin {
  from: string
  /** The author's recipients; this fake takes every sender for the author of what it sends. */
  sentTo?: ReadonlySet<string>
}

/** A SyncHost over plain Y.Docs with a static member list per group. */
export class FakeHost implements SyncHost {
  /** Our own peer id, known once the node is up (see bind). */
  self = ''
  readonly docs = new Map<string, Y.Doc>()
  readonly members = new Map<string, Set<string>>()
  readonly applied: ApplyRecord[] = []
  /** Every state vector or diff we were asked for, per group: what we might send about it. */
  readonly reads: { op: 'stateVector' | 'diff'; groupId: string }[] = []
  readonly signal: Signal

  constructor(signal: Signal) {
    this.signal = signal
  }

  bind(self: string): void {
    this.self = self
  }

  addGroup(groupId: string, members: string[], doc = new Y.Doc()): Y.Doc {
    doc.on('update', this.signal.notify)
    this.docs.set(groupId, doc)
    this.members.set(groupId, new Set([this.self, ...members]))
    return doc
  }

  doc(groupId: string): Y.Doc {
    const doc = this.docs.get(groupId)
    if (doc === undefined) throw new Error(`no group ${groupId}`)
    return doc
  }

  groupsSharedWith(peerId: string): string[] {
    return [...this.members.keys()].filter((g) => this.isMember(g, peerId))
  }

  isMember(groupId: string, peerId: string): boolean {
    const m = this.members.get(groupId)
    return m !== undefined && m.has(this.self) && m.has(peerId)
  }

  stateVector(groupId: string): Uint8Array {
    this.reads.push({ op: 'stateVector', groupId })
    return Y.encodeStateVector(this.doc(groupId))
  }

  diff(groupId: string, sv: Uint8Array): Uint8Array {
    this.reads.push({ op: 'diff', groupId })
    return Y.encodeStateAsUpdate(this.doc(groupId), sv)
  }

  /** While set, applies wait for `releaseHeld()`: a host still busy checking earlier updates. */
  holdApplies = false
  /** Applies asked for, whether or not they are done. */
  readonly requested: { groupId: string; from: string }[] = []
  readonly #held: (() => void)[] = []

  releaseHeld(): void {
    this.holdApplies = false
    for (const resume of this.#held.splice(0)) resume()
  }

  async applyRemote(
    groupId: string,
    update: Uint8Array,
    from: string,
    sentTo?: ReadonlySet<string>,
  ): Promise<ApplyResult> {
    this.requested.push({ groupId, from })
    this.signal.notify()
    if (this.holdApplies) await new Promise<void>((resume) => this.#held.push(resume))
    const result = this.#apply(groupId, update, from, sentTo)
    this.applied.push({ groupId, from, kind: result.kind })
    this.signal.notify()
    return result
  }

  #apply(
    groupId: string,
    update: Uint8Array,
    from: string,
    sentTo: ReadonlySet<string> | undefined,
  ): ApplyResult {
    const doc = this.doc(groupId)
    try {
      const ours = Y.decodeStateVector(Y.encodeStateVector(doc))
      const { from: starts } = Y.parseUpdateMeta(update)
      for (const [client, clock] of starts) {
        if (clock > (ours.get(client) ?? 0)) return { kind: 'gap' }
      }
      const before = Y.encodeStateVector(doc)
      const origin: RemoteOrigin = { from, ...(sentTo && { sentTo }) }
      Y.applyUpdate(doc, update, origin)
      return sameBytes(before, Y.encodeStateVector(doc))
        ? { kind: 'duplicate' }
        : { kind: 'applied' }
    } catch (err) {
      return { kind: 'rejected', reason: String(err) }
    }
  }

  /** Makes every change (local or remote) go out to the other members, like the peer does. */
  relayThrough(sync: GroupSync): void {
    for (const [groupId, doc] of this.docs) {
      doc.on('update', (update: Uint8Array, origin: unknown) => {
        if (isRemote(origin)) sync.broadcast(groupId, update, origin.from, origin.sentTo)
        else sync.broadcast(groupId, update)
      })
    }
  }
}

function isRemote(origin: unknown): origin is RemoteOrigin {
  return typeof origin === 'object' && origin !== null && 'from' in origin
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i])
}

/** The doc's content as plain JSON, for convergence checks. */
export function contentOf(doc: Y.Doc): unknown {
  return doc.getMap('m').toJSON()
}

/** Same content, whatever order the keys arrived in. */
export function sameContent(doc: Y.Doc, expected: unknown): boolean {
  return isDeepStrictEqual(contentOf(doc), expected)
}

export interface TestNode<S extends ServiceMap = ServiceMap> {
  node: Libp2p<DefaultServices & S>
  peerId: string
  addr: string
  strikes: { peerId: string; reason: string }[]
  synced: { groupId: string; peerId: string }[]
}

let nextAddr = 0

/** A libp2p node on the memory transport; pass a host to run group sync on it. */
export async function startNode<S extends ServiceMap = ServiceMap>(
  signal: Signal,
  opts: {
    host?: SyncHost
    syncLimits?: Partial<SyncLimits>
    node?: Partial<NodeOptions<S>>
  } = {},
): Promise<TestNode<S>> {
  const strikes: TestNode['strikes'] = []
  const synced: TestNode['synced'] = []
  const addr = opts.node?.listen?.[0] ?? `/memory/hearth-sync-${process.pid}-${nextAddr++}`
  const node = await createNode<S>({
    privateKey: await generateKeyPair('Ed25519'),
    listen: [addr],
    transports: [memory()],
    mdns: false,
    syncHost: opts.host,
    syncLimits: opts.syncLimits,
    onStrike: (peerId, reason) => {
      strikes.push({ peerId, reason })
      signal.notify()
    },
    onSynced: (groupId, peerId) => {
      synced.push({ groupId, peerId })
      signal.notify()
    },
    ...opts.node,
  })
  for (const evt of ['peer:connect', 'peer:disconnect', 'peer:identify'] as const) {
    node.addEventListener(evt, signal.notify)
  }
  return { node, peerId: node.peerId.toString(), addr, strikes, synced }
}

export function syncOf(t: TestNode): GroupSync {
  const sync = t.node.services.sync
  if (sync === undefined) throw new Error('node runs no group sync')
  return sync
}

/** Writes one key into the group's doc, as a local change. */
export function write(doc: Y.Doc, key: string, value: unknown): void {
  doc.getMap('m').set(key, value)
}

export interface RawPeer {
  t: TestNode
  /** Every message that arrived on sync streams opened to us, decoded. */
  received: SyncMessage[]
  /** Sync streams opened to us. */
  inboundStreams: number
  /** Opens a sync stream to `target` for hand-made bytes. */
  open(target: TestNode): Promise<Stream>
}

/**
 * A node that speaks the sync protocol by hand: it records what it is sent and writes whatever
 * the test wants, as a modified client would.
 */
export async function startRawPeer(tc: TestContext, signal: Signal): Promise<RawPeer> {
  const t = await startNode(signal)
  tc.after(() => t.node.stop())
  const raw: RawPeer = {
    t,
    received: [],
    inboundStreams: 0,
    open: (target) =>
      t.node.dialProtocol(multiaddr(target.addr), SYNC_PROTOCOL, {
        signal: AbortSignal.timeout(10_000),
      }),
  }
  await t.node.handle(SYNC_PROTOCOL, (stream) => {
    raw.inboundStreams++
    const decoder = new FrameDecoder(defaultSyncLimits.maxFrameBytes)
    stream.addEventListener('message', (evt) => {
      for (const frame of decoder.push(evt.data)) raw.received.push(readSyncMessage(frame))
      signal.notify()
    })
    signal.notify()
  })
  return raw
}

/** Resolves when the stream has closed; with the error if it was reset or aborted. */
export function closed(stream: Stream): Promise<Error | undefined> {
  if (stream.status !== 'open') return Promise.resolve(undefined)
  return new Promise((resolve) => {
    stream.addEventListener('close', (evt) => resolve(evt.error), { once: true })
  })
}

export interface Member {
  t: TestNode
  host: FakeHost
}

/** A node running group sync over a FakeHost, stopped when the test ends. */
export async function startMember(
  tc: TestContext,
  signal: Signal,
  limits?: Partial<SyncLimits>,
): Promise<Member> {
  const host = new FakeHost(signal)
  const t = await startNode(signal, { host, syncLimits: limits })
  tc.after(() => t.node.stop())
  host.bind(t.peerId)
  return { t, host }
}

/** Dials b from a and waits until every side that runs sync has its link to the other. */
export async function connect(signal: Signal, a: TestNode, b: TestNode): Promise<void> {
  await a.node.dial(multiaddr(b.addr), { signal: AbortSignal.timeout(10_000) })
  const linked = (x: TestNode, y: TestNode): boolean =>
    x.node.services.sync === undefined || x.node.services.sync.connectedPeers().includes(y.peerId)
  await signal.until(
    () => linked(a, b) && linked(b, a),
    `sync link between ${a.peerId} and ${b.peerId}`,
  )
}
