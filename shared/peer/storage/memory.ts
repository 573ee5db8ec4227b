// The in-memory twin of the sqlite store, for tests of everything above storage. It keeps the same
// rules (checked by the same contract suite), so a test that passes here means the same on disk.
import type { AppendOptions, KnownPeer, Store, StoredGroup, StoredReceipt } from './types.ts'
import {
  checkBytes,
  checkCompactionPoint,
  checkId,
  checkReceipts,
  checkText,
  checkTime,
  comparePeers,
  groupNotFound,
  storeClosed,
  uniqueAddrs,
} from './rules.ts'

interface GroupState {
  joinedAt: number
  lastSeq: number
  snapshot: { data: Uint8Array; uptoSeq: number } | undefined
  updates: Map<number, Uint8Array>
  receipts: Map<string, StoredReceipt>
}

export class MemoryStore implements Store {
  private readonly groups = new Map<string, GroupState>()
  private readonly settings = new Map<string, string>()
  private readonly peers = new Map<string, KnownPeer>()
  private closed = false

  listGroups(): StoredGroup[] {
    this.checkOpen()
    return [...this.groups]
      .map(([groupId, g]) => ({ groupId, joinedAt: g.joinedAt }))
      .sort((a, b) => a.joinedAt - b.joinedAt || (a.groupId < b.groupId ? -1 : 1))
  }

  addGroup(groupId: string, joinedAt: number): void {
    this.checkOpen()
    checkId('group id', groupId)
    checkTime('join time', joinedAt)
    if (this.groups.has(groupId)) return
    this.groups.set(groupId, {
      joinedAt,
      lastSeq: 0,
      snapshot: undefined,
      updates: new Map(),
      receipts: new Map(),
    })
  }

  removeGroup(groupId: string): void {
    this.checkOpen()
    this.groups.delete(groupId)
  }

  // Memory is gone with the process either way: `durable` changes nothing here.
  appendUpdate(groupId: string, update: Uint8Array, _options?: AppendOptions): number {
    this.checkOpen()
    checkBytes('update', update)
    const group = this.mustGet(groupId)
    group.lastSeq += 1
    group.updates.set(group.lastSeq, update.slice())
    return group.lastSeq
  }

  loadUpdates(groupId: string): Uint8Array[] {
    this.checkOpen()
    const group = this.groups.get(groupId)
    if (!group) return []
    // Map iteration follows insertion, which is seq order because seqs only grow.
    const updates = [...group.updates.values()].map((u) => u.slice())
    return group.snapshot ? [group.snapshot.data.slice(), ...updates] : updates
  }

  updateCount(groupId: string): number {
    this.checkOpen()
    return this.groups.get(groupId)?.updates.size ?? 0
  }

  compact(groupId: string, snapshot: Uint8Array, uptoSeq: number): void {
    this.checkOpen()
    checkBytes('snapshot', snapshot)
    const group = this.mustGet(groupId)
    checkCompactionPoint(uptoSeq, group.snapshot?.uptoSeq ?? 0, group.lastSeq)
    group.snapshot = { data: snapshot.slice(), uptoSeq }
    for (const seq of group.updates.keys()) {
      if (seq <= uptoSeq) group.updates.delete(seq)
    }
  }

  lastSeq(groupId: string): number {
    this.checkOpen()
    return this.groups.get(groupId)?.lastSeq ?? 0
  }

  getSetting(key: string): string | undefined {
    this.checkOpen()
    return this.settings.get(key)
  }

  setSetting(key: string, value: string): void {
    this.checkOpen()
    checkId('setting name', key)
    checkText('setting value', value)
    this.settings.set(key, value)
  }

  /** Every setting's name, like SqliteStore.settingKeys. */
  settingKeys(): string[] {
    this.checkOpen()
    return [...this.settings.keys()].sort()
  }

  rememberPeer(peerId: string, addrs: string[], seenAt: number): void {
    this.checkOpen()
    checkId('peer id', peerId)
    checkTime('time the peer was seen', seenAt)
    this.peers.set(peerId, { peerId, addrs: uniqueAddrs(addrs), seenAt })
  }

  knownPeers(): KnownPeer[] {
    this.checkOpen()
    return [...this.peers.values()].map((p) => ({ ...p, addrs: [...p.addrs] })).sort(comparePeers)
  }

  putReceipts(groupId: string, receipts: StoredReceipt[]): void {
    this.checkOpen()
    checkReceipts(receipts)
    const group = this.mustGet(groupId)
    for (const r of receipts) group.receipts.set(r.reader, { ...r })
  }

  receipts(groupId: string): StoredReceipt[] {
    this.checkOpen()
    const group = this.groups.get(groupId)
    if (!group) return []
    return [...group.receipts.values()]
      .map((r) => ({ ...r }))
      .sort((a, b) => (a.reader < b.reader ? -1 : a.reader > b.reader ? 1 : 0))
  }

  close(): void {
    this.closed = true
  }

  private checkOpen(): void {
    if (this.closed) throw storeClosed()
  }

  private mustGet(groupId: string): GroupState {
    const group = this.groups.get(groupId)
    if (!group) throw groupNotFound(groupId)
    return group
  }
}
