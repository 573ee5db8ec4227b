import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { StorageHealth, StorageProblem } from '../../api/index.ts'
import { HearthError } from '../../api/index.ts'
import { runStoreContract } from './contract.ts'
import { StorageFailure } from './failure.ts'
import type { FolderWatch } from './folder.ts'
import { GuardedStore } from './guarded.ts'
import { MemoryStore } from './memory.ts'
import { FaultyStore, ManualTimers } from './test-fixtures.ts'
import type { Store } from './types.ts'

runStoreContract('GuardedStore over MemoryStore', () => {
  return new GuardedStore({ open: () => new MemoryStore(), timers: new ManualTimers() })
})

/** A folder whose state the test sets: undefined means there, writable, with room. */
class FakeFolder implements FolderWatch {
  problem: StorageProblem | undefined
  /** What checkBack finds, when it differs from what check finds. */
  backProblem: StorageProblem | undefined
  captures = 0
  capture(): void {
    this.captures++
  }
  check(): void {
    if (this.problem) throw new StorageFailure(this.problem, `fake folder: ${this.problem}`)
  }
  checkBack(): void {
    const problem = this.backProblem ?? this.problem
    if (problem) throw new StorageFailure(problem, `fake folder: ${problem}`)
  }
}

function setup(options: { folder?: FakeFolder } = {}) {
  const disk = new FaultyStore()
  const timers = new ManualTimers()
  const opened: boolean[] = []
  const log: string[] = []
  const store = new GuardedStore({
    open: (again) => {
      opened.push(again)
      return disk
    },
    release: () => {},
    timers,
    now: () => 1000,
    log: (line) => log.push(line),
    ...(options.folder && { folder: options.folder }),
  })
  const changes: StorageHealth[] = []
  store.onChange((h) => changes.push(h))
  return { disk, timers, opened, log, store, changes }
}

function refused(problem: StorageProblem) {
  return (err: unknown) => {
    assert.ok(err instanceof StorageFailure, `expected a StorageFailure, got ${String(err)}`)
    assert.equal(err.code, 'STORAGE_FAILED')
    assert.equal(err.problem, problem)
    // One sentence a person can act on, not the raw sqlite text.
    assert.match(err.message, /^[A-Z"H].*\.$/)
    assert.doesNotMatch(err.message, /fake/)
    return true
  }
}

describe('GuardedStore', () => {
  test('the first failed write turns it unwritable and tells listeners once', () => {
    const { disk, store, changes, log } = setup()
    store.addGroup('g', 1)
    assert.equal(store.appendUpdate('g', Uint8Array.of(1)), 1)
    disk.fail('disk-full')
    assert.throws(() => store.appendUpdate('g', Uint8Array.of(2)), refused('disk-full'))
    assert.throws(() => store.appendUpdate('g', Uint8Array.of(3)), refused('disk-full'))
    assert.deepEqual(store.health, {
      writable: false,
      problem: 'disk-full',
      message: store.health.message,
      since: 1000,
    })
    assert.match(store.health.message ?? '', /full/)
    assert.equal(changes.length, 1, 'one event for one problem')
    assert.equal(log.length, 1)
    assert.match(log[0] ?? '', /fake disk-full/, 'the raw detail goes to the log')
  })

  test('while failed nothing reaches the store: writes and reads are refused up front', () => {
    const { disk, store } = setup()
    store.addGroup('g', 1)
    disk.fail('read-only')
    assert.throws(() => store.setSetting('name', 'Ana'), refused('read-only'))
    disk.heal() // the medium is fine again, but nobody has reopened it yet
    const before = disk.calls.length
    assert.throws(() => store.appendUpdate('g', Uint8Array.of(1)), refused('read-only'))
    assert.throws(() => store.loadUpdates('g'), refused('read-only'))
    assert.throws(() => store.assertWritable(), refused('read-only'))
    assert.equal(disk.calls.length, before)
  })

  test('a refused argument or an unknown group is not a failure of the medium', () => {
    const { store, changes } = setup()
    assert.throws(
      () => store.appendUpdate('nope', Uint8Array.of(1)),
      (err: unknown) => err instanceof HearthError && err.code === 'GROUP_NOT_FOUND',
    )
    assert.throws(
      () => store.appendUpdate('nope', new Uint8Array(0)),
      (err: unknown) => err instanceof HearthError && err.code === 'BAD_INPUT',
    )
    assert.equal(store.health.writable, true)
    assert.equal(changes.length, 0)
  })

  test('it reopens by itself, persists what recover writes, then acknowledges again', () => {
    const { disk, store, timers, opened, changes } = setup()
    store.addGroup('g', 1)
    store.appendUpdate('g', Uint8Array.of(1))
    const recovered: Store[] = []
    store.setRecover((s) => {
      recovered.push(s)
      // What the owner held in memory and could not store: one snapshot covering it all.
      s.compact('g', Uint8Array.of(1, 2, 3), s.lastSeq('g'))
    })
    disk.fail('disk-full')
    assert.throws(() => store.appendUpdate('g', Uint8Array.of(2)), refused('disk-full'))

    timers.fire() // still full: recover runs, its compact fails, it stays failed
    assert.equal(store.health.writable, false)
    assert.equal(recovered.length, 1)
    assert.equal(timers.pending, 1, 'and it tries again later')

    disk.heal()
    timers.fire()
    assert.equal(store.health.writable, true)
    assert.deepEqual(opened, [false, true, true])
    assert.deepEqual(
      changes.map((c) => c.writable),
      [false, true],
    )
    assert.deepEqual(store.loadUpdates('g'), [Uint8Array.of(1, 2, 3)])
    assert.equal(store.appendUpdate('g', Uint8Array.of(4)), 2, 'sequence numbers go on')
  })

  test('a folder that is not back is not reopened', () => {
    const folder = new FakeFolder()
    const { store, timers, opened, disk } = setup({ folder })
    store.addGroup('g', 1)
    folder.problem = 'missing'
    assert.throws(() => store.appendUpdate('g', Uint8Array.of(1)), refused('missing'))
    assert.equal(disk.calls.filter((c) => c === 'appendUpdate').length, 0, 'checked first')
    timers.fire()
    timers.fire()
    assert.deepEqual(opened, [false], 'never opened while the folder is gone')
    folder.problem = undefined
    timers.fire()
    assert.equal(store.health.writable, true)
    assert.equal(folder.captures, 2, 'the reopened files are the ones watched now')
  })

  test('the watch notices a folder that went away while nothing was written', () => {
    const folder = new FakeFolder()
    const { store, timers, changes } = setup({ folder })
    timers.fire()
    assert.equal(store.health.writable, true)
    folder.problem = 'read-only'
    timers.fire()
    assert.equal(store.health.problem, 'read-only')
    assert.equal(changes.length, 1)
  })

  test('an I/O error with the folder gone is reported as the folder being gone', () => {
    const folder = new FakeFolder()
    const { store, disk } = setup({ folder })
    store.addGroup('g', 1)
    disk.fail('failed')
    // The check before the write passes; the write fails with a bare I/O error; asked then,
    // the folder turns out to be gone.
    folder.backProblem = 'missing'
    assert.throws(() => store.appendUpdate('g', Uint8Array.of(1)), refused('missing'))
  })

  test('close stops the timers and later calls say the store is closed', () => {
    const folder = new FakeFolder()
    const { store, timers } = setup({ folder })
    store.close()
    assert.equal(timers.pending, 0)
    assert.throws(
      () => store.listGroups(),
      (err: unknown) => err instanceof HearthError && !(err instanceof StorageFailure),
    )
  })
})
