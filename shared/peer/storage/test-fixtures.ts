// Test doubles for the storage fault path: a store whose medium can be made to fail on command,
// and timers that fire only when the test says so.
import type { StorageProblem } from '../../api/index.ts'
import { StorageFailure } from './failure.ts'
import type { Timers } from './guarded.ts'
import { MemoryStore } from './memory.ts'
import type { KnownPeer, Store, StoredGroup, StoredReceipt } from './types.ts'

/** A MemoryStore whose writes (and, if asked, reads) fail like a broken disk until healed. */
export class FaultyStore implements Store {
  readonly inner = new MemoryStore()
  failing: StorageProblem | null = null
  failReads = false
  /** Calls that reached the inner store, by method name. */
  readonly calls: string[] = []

  fail(problem: StorageProblem, { reads = false } = {}): void {
    this.failing = problem
    this.failReads = reads
  }

  heal(): void {
    this.failing = null
    this.failReads = false
  }

  #write<T>(name: string, fn: () => T): T {
    if (this.failing !== null) throw new StorageFailure(this.failing, `fake ${this.failing}`)
    this.calls.push(name)
    return fn()
  }

  #read<T>(name: string, fn: () => T): T {
    if (this.failing !== null && this.failReads) {
      throw new StorageFailure(this.failing, `fake ${this.failing}`)
    }
    this.calls.push(name)
    return fn()
  }

  listGroups(): StoredGroup[] {
    return this.#read('listGroups', () => this.inner.listGroups())
  }
  addGroup(groupId: string, joinedAt: number): void {
    this.#write('addGroup', () => this.inner.addGroup(groupId, joinedAt))
  }
  removeGroup(groupId: string): void {
    this.#write('removeGroup', () => this.inner.removeGroup(groupId))
  }
  appendUpdate(groupId: string, update: Uint8Array): number {
    return this.#write('appendUpdate', () => this.inner.appendUpdate(groupId, update))
  }
  loadUpdates(groupId: string): Uint8Array[] {
    return this.#read('loadUpdates', () => this.inner.loadUpdates(groupId))
  }
  updateCount(groupId: string): number {
    return this.#read('updateCount', () => this.inner.updateCount(groupId))
  }
  compact(groupId: string, snapshot: Uint8Array, uptoSeq: number): void {
    this.#write('compact', () => this.inner.compact(groupId, snapshot, uptoSeq))
  }
  lastSeq(groupId: string): number {
    return this.#read('lastSeq', () => this.inner.lastSeq(groupId))
  }
  getSetting(key: string): string | undefined {
    return this.#read('getSetting', () => this.inner.getSetting(key))
  }
  setSetting(key: string, value: string): void {
    this.#write('setSetting', () => this.inner.setSetting(key, value))
  }
  rememberPeer(peerId: string, addrs: string[], seenAt: number): void {
    this.#write('rememberPeer', () => this.inner.rememberPeer(peerId, addrs, seenAt))
  }
  knownPeers(): KnownPeer[] {
    return this.#read('knownPeers', () => this.inner.knownPeers())
  }
  putReceipts(groupId: string, receipts: StoredReceipt[]): void {
    this.#write('putReceipts', () => this.inner.putReceipts(groupId, receipts))
  }
  receipts(groupId: string): StoredReceipt[] {
    return this.#read('receipts', () => this.inner.receipts(groupId))
  }
  /** Closing a faulty store leaves its memory readable by the test (a restart reads it). */
  close(): void {}
}

/** Timers that run only when `fire()` is called, in the order they were set. */
export class ManualTimers implements Timers {
  #next = 1
  readonly #pending = new Map<number, () => void>()

  set(callback: () => void): number {
    const handle = this.#next++
    this.#pending.set(handle, callback)
    return handle
  }

  clear(handle: unknown): void {
    this.#pending.delete(handle as number)
  }

  get pending(): number {
    return this.#pending.size
  }

  /** Runs every timer set so far (not the ones they set in turn). */
  fire(): void {
    const due = [...this.#pending]
    this.#pending.clear()
    for (const [, callback] of due) callback()
  }
}
