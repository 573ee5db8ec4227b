// A peer whose disk fails under it and comes back (in process, a store that fails on command;
// the real-disk version with tmpfs is storage-faults.test.ts): it stops acknowledging, keeps
// answering and hearing from members, recovers by itself, and loses nothing it acknowledged.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { HearthError } from '../../shared/api/errors.ts'
import type { Peer } from '../../shared/peer/peer.ts'
import { StorageFailure } from '../../shared/peer/storage/failure.ts'
import { FaultyStore } from '../../shared/peer/storage/test-fixtures.ts'
import { PeerSet, until } from '../helpers/peers.ts'

const peers = new PeerSet()
after(() => peers.cleanup())

const texts = async (peer: Peer, group: string) =>
  (await peer.handlers['messages.list']({ group, limit: 1000 })).map((m) => m.text)

function storageFailed(problem: string) {
  return (err: unknown) => {
    assert.ok(err instanceof StorageFailure, `expected a StorageFailure, got ${String(err)}`)
    assert.equal(err.problem, problem)
    assert.match(err.message, /full/)
    return true
  }
}

describe('a disk that fails under a running peer', () => {
  test('no false acknowledgement, the peer stays up, recovery by itself, nothing acknowledged lost', async () => {
    const disk = new FaultyStore()
    let ana = await peers.start('Ana', { store: disk })
    const bo = await peers.start('Bo')
    const { groupId, invite } = await ana.peer.handlers['groups.create']({ name: 'Family' })
    await bo.peer.handlers['groups.join']({ invite })
    await ana.peer.handlers['messages.send']({ group: groupId, text: 'saved before' })

    const failed = ana.peer.events.next('storageChanged', (h) => !h.writable)
    disk.fail('disk-full')
    // The write in flight when the disk fills is reported as not saved...
    await assert.rejects(
      ana.peer.handlers['messages.send']({ group: groupId, text: 'in flight' }),
      storageFailed('disk-full'),
    )
    assert.equal((await failed).problem, 'disk-full')
    // ...and from then on writes are refused before anything is applied or sent.
    await assert.rejects(
      ana.peer.handlers['messages.send']({ group: groupId, text: 'refused' }),
      storageFailed('disk-full'),
    )
    await assert.rejects(
      ana.peer.handlers['groups.create']({ name: 'Other' }),
      (err: unknown) => err instanceof HearthError && err.code === 'STORAGE_FAILED',
    )
    const status = await ana.peer.handlers['status.get']({})
    assert.equal(status.storage.writable, false)
    assert.equal(status.storage.problem, 'disk-full')

    // The peer keeps answering and hearing from members meanwhile.
    await bo.peer.handlers['messages.send']({ group: groupId, text: 'from Bo meanwhile' })
    await until(ana.peer, 'Ana shows what Bo sent', async () =>
      (await texts(ana.peer, groupId)).includes('from Bo meanwhile'),
    )

    const back = ana.peer.events.next('storageChanged', (h) => h.writable)
    disk.heal()
    assert.deepEqual(await back, { writable: true, problem: null, message: null, since: null })
    await ana.peer.handlers['messages.send']({ group: groupId, text: 'saved after' })

    // A restart, with Bo gone so nothing can sync back, shows only what reached Ana's disk.
    assert.ok(!(await texts(bo.peer, groupId)).includes('refused'))
    await bo.peer.stop()
    ana = await ana.restart()
    const after = await texts(ana.peer, groupId)
    for (const text of ['saved before', 'from Bo meanwhile', 'saved after']) {
      assert.ok(after.includes(text), `"${text}" is on disk after the restart`)
    }
    // The in-flight one had reached Bo before the disk said no, so it is not lost either: the
    // recovery stored it with the rest. The refused one was never applied anywhere.
    assert.ok(after.includes('in flight'))
    assert.ok(!after.includes('refused'))
  })
})
