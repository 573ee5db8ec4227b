// What the peer keeps on disk, behind an interface so every part of the peer can be tested with the
// in-memory twin. All methods are synchronous: node:sqlite is, and a write that has returned is on
// disk, which is what "acknowledged" means to the user.

export interface StoredGroup {
  groupId: string
  joinedAt: number
}

/** A member's read marker in a group (see shared/peer/receipts): the latest one we hold. */
export interface StoredReceipt {
  reader: string
  ts: number
  messageId: string
  /** The reader's signature, base64url. */
  sig: string
}

export interface KnownPeer {
  peerId: string
  addrs: string[]
  seenAt: number
}

/**
 * The rules every implementation keeps (the contract suite in contract.ts checks each by id):
 * - Writes to a group that was never added (or was removed) throw `GROUP_NOT_FOUND`; reads of such
 *   a group return nothing (`[]`, `0`), so a caller racing a removal does not crash.
 * - Sequence numbers are per group, start at 1 and are never reused while the group is stored,
 *   not even after a compaction deleted the rows they named.
 * - Invalid arguments (empty ids or updates, non-integer times, a compaction point outside the
 *   stored range) throw `BAD_INPUT` and change nothing.
 * - Failures of the medium (disk full, read-only, corrupt, closed store) throw `STORAGE_FAILED`.
 * - Bytes are copied in and out: mutating an array after passing it in, or one that was returned,
 *   never changes what is stored.
 */
export interface AppendOptions {
  /**
   * false: stored without waiting for the disk. The update survives the process being killed,
   * and a later durable write makes it durable too, but a power cut before that may drop it (never
   * anything stored before it, and never corrupting anything). For updates another peer also
   * holds. Default true.
   */
  durable?: boolean
}

export interface Store {
  /** Groups this device belongs to, oldest first. */
  listGroups(): StoredGroup[]
  /** Idempotent; adding a stored group again keeps its first `joinedAt`. */
  addGroup(groupId: string, joinedAt: number): void
  /** Deletes the group with its snapshot and updates; unknown groups are ignored. */
  removeGroup(groupId: string): void

  /**
   * Stores one update and returns its sequence number; it is durable when this returns, unless
   * `options.durable` is false (see AppendOptions).
   */
  appendUpdate(groupId: string, update: Uint8Array, options?: AppendOptions): number
  /** The snapshot (if any) first, then every update after it in sequence order. */
  loadUpdates(groupId: string): Uint8Array[]
  /** Updates stored since the last snapshot. */
  updateCount(groupId: string): number
  /**
   * In one transaction: replaces the snapshot and deletes the updates with seq <= uptoSeq. The
   * snapshot must contain those updates; updates after uptoSeq are kept.
   */
  compact(groupId: string, snapshot: Uint8Array, uptoSeq: number): void
  /** The highest sequence number handed out for the group (0 if none). */
  lastSeq(groupId: string): number

  getSetting(key: string): string | undefined
  setSetting(key: string, value: string): void

  /** Replaces what we know about a peer: the addresses it was last seen at, and when. */
  rememberPeer(peerId: string, addrs: string[], seenAt: number): void
  /** Most recently seen first. */
  knownPeers(): KnownPeer[]

  /** Stores these read markers of the group (one per reader, replacing theirs), in one transaction. */
  putReceipts(groupId: string, receipts: StoredReceipt[]): void
  /** The group's read markers, one per reader, ordered by reader. */
  receipts(groupId: string): StoredReceipt[]

  /** Idempotent. Every later call throws `STORAGE_FAILED`. */
  close(): void
}
