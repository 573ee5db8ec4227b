// A Store that survives its medium failing: the disk fills up, turns read-only, or the stick is
// pulled out. On the first failure it stops acknowledging (every later write is refused with one
// sentence, without touching the disk), tells whoever listens, drops the broken store and keeps
// trying to open it again. Once the folder is back it lets the owner persist what it holds in
// memory that never reached the disk (`recover`), and only then accepts writes again. Everything
// acknowledged before the failure was on disk already; everything refused was never acknowledged.
//
// It keeps the Store contract (the same suite runs against it); other layers (sealing, say) go
// inside it, through `open`, so that a reopen rebuilds them too.
import type { StorageHealth, StorageProblem } from '../../api/index.ts'
import { storeClosed } from './rules.ts'
import { isStorageFailure, refusal, StorageFailure } from './failure.ts'
import type { FolderWatch } from './folder.ts'
import type { AppendOptions, KnownPeer, Store, StoredGroup, StoredReceipt } from './types.ts'

export interface Timers {
  set(callback: () => void, ms: number): unknown
  clear(handle: unknown): void
}

const realTimers: Timers = {
  set: (callback, ms) => setTimeout(callback, ms).unref(),
  clear: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

export interface GuardedStoreOptions {
  /** Opens the store; `again` is true when reopening after a failure. */
  open(again: boolean): Store
  /** Lets go of a store that failed (default: close it). */
  release?(store: Store): void
  /** The folder under the store, checked before every write and every `watchMs`. */
  folder?: FolderWatch
  /** How often a failed store is tried again. */
  retryMs?: number
  /** How often a healthy folder is checked while nothing writes (a stick pulled while idle). */
  watchMs?: number
  timers?: Timers
  now?: () => number
  log?: (line: string) => void
}

const WRITABLE: StorageHealth = { writable: true, problem: null, message: null, since: null }

export class GuardedStore implements Store {
  readonly #options: GuardedStoreOptions
  readonly #timers: Timers
  readonly #now: () => number
  readonly #log: (line: string) => void
  readonly #listeners = new Set<(health: StorageHealth) => void>()
  #inner: Store | undefined
  #health: StorageHealth = WRITABLE
  #recover: ((store: Store) => void) | undefined
  #timer: unknown
  #closed = false

  constructor(options: GuardedStoreOptions) {
    this.#options = options
    this.#timers = options.timers ?? realTimers
    this.#now = options.now ?? Date.now
    this.#log = options.log ?? ((line) => console.error(line))
    this.#inner = options.open(false)
    options.folder?.capture()
    this.#schedule()
  }

  get health(): StorageHealth {
    return this.#health
  }

  /** Hears every change of health; returns the unsubscribe function. */
  onChange(listener: (health: StorageHealth) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /**
   * What must be on disk before writes are acknowledged again: it receives the reopened store
   * and writes to it directly. Throwing keeps the store failed (and it is tried again).
   */
  setRecover(recover: (store: Store) => void): void {
    this.#recover = recover
  }

  /**
   * Throws the refusal unless a write can be made now (checking the folder). Callers about to
   * change something in memory and send it ask first, so nothing is applied that cannot be kept.
   */
  assertWritable(): void {
    this.#usable()
  }

  listGroups(): StoredGroup[] {
    return this.#read((s) => s.listGroups())
  }
  addGroup(groupId: string, joinedAt: number): void {
    this.#write((s) => s.addGroup(groupId, joinedAt))
  }
  removeGroup(groupId: string): void {
    this.#write((s) => s.removeGroup(groupId))
  }
  appendUpdate(groupId: string, update: Uint8Array, options?: AppendOptions): number {
    return this.#write((s) => s.appendUpdate(groupId, update, options))
  }
  loadUpdates(groupId: string): Uint8Array[] {
    return this.#read((s) => s.loadUpdates(groupId))
  }
  updateCount(groupId: string): number {
    return this.#read((s) => s.updateCount(groupId))
  }
  compact(groupId: string, snapshot: Uint8Array, uptoSeq: number): void {
    this.#write((s) => s.compact(groupId, snapshot, uptoSeq))
  }
  lastSeq(groupId: string): number {
    return this.#read((s) => s.lastSeq(groupId))
  }
  getSetting(key: string): string | undefined {
    return this.#read((s) => s.getSetting(key))
  }
  setSetting(key: string, value: string): void {
    this.#write((s) => s.setSetting(key, value))
  }
  rememberPeer(peerId: string, addrs: string[], seenAt: number): void {
    this.#write((s) => s.rememberPeer(peerId, addrs, seenAt))
  }
  knownPeers(): KnownPeer[] {
    return this.#read((s) => s.knownPeers())
  }
  putReceipts(groupId: string, receipts: StoredReceipt[]): void {
    this.#write((s) => s.putReceipts(groupId, receipts))
  }
  receipts(groupId: string): StoredReceipt[] {
    return this.#read((s) => s.receipts(groupId))
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#timers.clear(this.#timer)
    const inner = this.#inner
    this.#inner = undefined
    inner?.close()
  }

  // ── internals ─────────────────────────────────────────────────────────────────────────

  #usable(): Store {
    if (this.#closed) throw storeClosed()
    const inner = this.#inner
    if (inner === undefined) throw this.#refusal()
    try {
      this.#options.folder?.check()
    } catch (err) {
      throw this.#fail(err)
    }
    return inner
  }

  #read<T>(fn: (store: Store) => T): T {
    if (this.#closed) throw storeClosed()
    const inner = this.#inner
    if (inner === undefined) throw this.#refusal()
    return this.#run(inner, fn)
  }

  #write<T>(fn: (store: Store) => T): T {
    return this.#run(this.#usable(), fn)
  }

  #run<T>(inner: Store, fn: (store: Store) => T): T {
    try {
      return fn(inner)
    } catch (err) {
      // A refused argument or an unknown group is the caller's business, not the medium's.
      if (!isStorageFailure(err)) throw err
      throw this.#fail(err)
    }
  }

  #refusal(): StorageFailure {
    const problem = this.#health.problem ?? 'failed'
    return new StorageFailure(problem, refusal(problem))
  }

  /** Enters (or stays in) the failed state; returns the error the caller throws. */
  #fail(err: unknown): StorageFailure {
    if (this.#inner !== undefined) {
      const inner = this.#inner
      this.#inner = undefined
      this.#release(inner)
    }
    this.#setProblem(this.#problemOf(err), err)
    this.#schedule()
    return this.#refusal()
  }

  /** An I/O error says little; the folder itself may say more (gone? read-only?). */
  #problemOf(err: unknown): StorageProblem {
    const problem = isStorageFailure(err) ? err.problem : 'failed'
    if (problem !== 'failed') return problem
    try {
      this.#options.folder?.checkBack()
    } catch (folderErr) {
      if (isStorageFailure(folderErr)) return folderErr.problem
    }
    return problem
  }

  #setProblem(problem: StorageProblem, err: unknown): void {
    if (this.#health.problem === problem) return
    const detail = err instanceof Error ? err.message : String(err)
    this.#health = {
      writable: false,
      problem,
      message: refusal(problem),
      since: this.#health.since ?? this.#now(),
    }
    this.#log(`hearth: storage: ${refusal(problem)} (${detail})`)
    this.#emit()
  }

  #release(store: Store): void {
    try {
      if (this.#options.release) this.#options.release(store)
      else store.close()
    } catch (err) {
      // The handle is gone either way; the next open starts from what is on disk.
      this.#log(`hearth: storage: closing the failed store also failed: ${String(err)}`)
    }
  }

  #schedule(): void {
    if (this.#closed) return
    this.#timers.clear(this.#timer)
    if (this.#inner === undefined) {
      this.#timer = this.#timers.set(() => this.#retry(), this.#options.retryMs ?? 2000)
    } else if (this.#options.folder !== undefined) {
      this.#timer = this.#timers.set(() => this.#watch(), this.#options.watchMs ?? 2000)
    }
  }

  #watch(): void {
    if (this.#closed || this.#inner === undefined) return
    try {
      this.#options.folder?.check()
    } catch (err) {
      this.#fail(err)
      return
    }
    this.#schedule()
  }

  #retry(): void {
    if (this.#closed || this.#inner !== undefined) return
    let store: Store | undefined
    try {
      this.#options.folder?.checkBack()
      store = this.#options.open(true)
      this.#options.folder?.capture()
      this.#recover?.(store)
    } catch (err) {
      if (store !== undefined) this.#release(store)
      this.#setProblem(this.#problemOf(err), err)
      this.#schedule()
      return
    }
    this.#inner = store
    this.#health = WRITABLE
    this.#log('hearth: storage: the data folder can be written again; saving and sending resumed.')
    this.#emit()
    this.#schedule()
  }

  #emit(): void {
    const health = this.#health
    for (const listener of [...this.#listeners]) {
      try {
        listener(health)
      } catch (err) {
        this.#log(`hearth: storage: a health listener failed: ${String(err)}`)
      }
    }
  }
}
