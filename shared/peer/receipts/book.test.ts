// Read markers and the book that keeps them: signatures, latest-wins, the membership gate and
// persistence, without any network.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, test } from 'node:test'
import { makeSigners } from '../groups/testing.ts'
import type { Signer } from '../groups/signing.ts'
import { MemoryStore } from '../storage/memory.ts'
import { openSqliteStore } from '../storage/sqlite.ts'
import type { Store } from '../storage/types.ts'
import { MAX_MARKER_AHEAD_MS, ReceiptBook } from './book.ts'
import { markerVerifies, signMarker, type ReadMarker } from './marker.ts'

const [alice, bob, carol, mallory] = (await makeSigners(4)) as [Signer, Signer, Signer, Signer]
const G = 'g'.repeat(26)
const NOW = 1_700_000_000_000
const at = (ts: number, id = 'm'.repeat(25) + 'a') => ({ ts, id })

function book(
  store: Store,
  members: Set<string>,
  verify?: (marker: ReadMarker) => boolean,
  addGroup = true,
) {
  if (addGroup) store.addGroup(G, 1)
  const b = new ReceiptBook({
    store,
    signer: alice,
    now: () => NOW,
    isMember: (groupId, peerId) => groupId === G && members.has(peerId),
    ...(verify !== undefined && { verify }),
  })
  b.load(G)
  return b
}

const everyone = () => new Set([alice.peerId, bob.peerId, carol.peerId])

describe('read markers', () => {
  test('a marker verifies by its reader only, and any change breaks it', () => {
    const marker = signMarker(bob, G, at(NOW))
    assert.equal(marker.reader, bob.peerId)
    assert.equal(markerVerifies(marker), true)
    const tampered: ReadMarker[] = [
      { ...marker, ts: marker.ts + 1 },
      { ...marker, id: 'n'.repeat(26) },
      { ...marker, group: 'h'.repeat(26) },
      // Bob's signature presented as Carol's marker: a forgery of another member's receipt.
      { ...marker, reader: carol.peerId },
    ]
    for (const m of tampered) assert.equal(markerVerifies(m), false, JSON.stringify(m))
  })

  test('the latest marker per member wins, whatever order they arrive in', () => {
    const b = book(new MemoryStore(), everyone())
    const early = signMarker(bob, G, at(NOW - 2000))
    const late = signMarker(bob, G, at(NOW - 1000))
    assert.equal(b.accept(bob.peerId, [late]).byGroup.get(G)?.length, 1)
    assert.equal(b.accept(bob.peerId, [early]).byGroup.size, 0, 'an older marker changes nothing')
    assert.equal(b.accept(carol.peerId, [late]).byGroup.size, 0, 'nor does the same one again')
    assert.deepEqual(b.markers(G), [late])
    // Same time, larger id: further along the group's (ts, id) order.
    const tie = signMarker(bob, G, at(NOW - 1000, 'z'.repeat(26)))
    assert.equal(b.accept(bob.peerId, [tie]).byGroup.size, 1)
  })

  test('our own marker moves forward only', () => {
    const b = book(new MemoryStore(), everyone())
    assert.ok(b.markRead(G, at(NOW - 10)))
    assert.equal(b.markRead(G, at(NOW - 20)), null)
    assert.equal(b.markRead(G, at(NOW - 10)), null)
    const own = b.markers(G).find((m) => m.reader === alice.peerId)
    assert.equal(own?.ts, NOW - 10)
    assert.equal(own !== undefined && markerVerifies(own), true)
  })

  test('forged markers are rejected and counted, and cost the rest of the frame nothing', () => {
    const b = book(new MemoryStore(), everyone())
    const real = signMarker(carol, G, at(NOW - 5))
    const forged = { ...signMarker(mallory, G, at(NOW - 1)), reader: bob.peerId }
    const { byGroup, forged: count } = b.accept(carol.peerId, [forged, real])
    assert.equal(count, 1)
    assert.deepEqual(byGroup.get(G), [real])
    assert.deepEqual(b.markers(G), [real])
  })

  test('markers from or about non-members are dropped unchecked; a removed member stops counting', () => {
    const members = everyone()
    let checks = 0
    const b = book(new MemoryStore(), members, (m) => {
      checks++
      return markerVerifies(m)
    })
    const stranger = signMarker(mallory, G, at(NOW - 1))
    assert.equal(b.accept(mallory.peerId, [signMarker(bob, G, at(NOW - 3))]).byGroup.size, 0)
    assert.equal(b.accept(bob.peerId, [stranger]).byGroup.size, 0)
    const otherGroup = signMarker(bob, 'h'.repeat(26), at(NOW - 1))
    assert.equal(b.accept(bob.peerId, [otherGroup]).byGroup.size, 0)
    assert.equal(checks, 0, 'no signature was checked for any of them')

    const carols = signMarker(carol, G, at(NOW - 2))
    assert.equal(b.accept(bob.peerId, [carols]).byGroup.size, 1)
    members.delete(carol.peerId)
    assert.deepEqual(b.markers(G), [], 'her marker no longer counts')
    const later = signMarker(carol, G, at(NOW - 1))
    assert.equal(b.accept(bob.peerId, [later]).byGroup.size, 0, 'nor do her new ones')
    assert.equal(b.accept(carol.peerId, [signMarker(bob, G, at(NOW))]).byGroup.size, 0)
  })

  test('a marker pointing far past our clock is ignored', () => {
    const b = book(new MemoryStore(), everyone())
    const future = signMarker(bob, G, at(NOW + MAX_MARKER_AHEAD_MS + 1))
    assert.equal(b.accept(bob.peerId, [future]).byGroup.size, 0)
    assert.deepEqual(b.markers(G), [])
  })

  test('markers are on disk: a restarted book has them', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-receipts-'))
    try {
      const store = openSqliteStore(dir)
      const b = book(store, everyone())
      const own = b.markRead(G, at(NOW - 100))
      const bobs = signMarker(bob, G, at(NOW - 50))
      b.accept(bob.peerId, [bobs])
      store.close()

      const reopened = openSqliteStore(dir)
      const again = book(reopened, everyone(), undefined, false)
      assert.deepEqual(
        again.markers(G),
        [own, bobs].sort((x, y) => (x!.reader < y!.reader ? -1 : 1)),
      )
      reopened.close()
    } finally {
      fs.rmSync(dir, { recursive: true, force: true })
    }
  })
})
