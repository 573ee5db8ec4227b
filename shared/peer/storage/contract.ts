// One suite of rules every Store implementation must keep, run against each of them. Each test name
// starts with its rule id, so a failure names the rule and the same id can be cited in reviews.
import { afterEach, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { HearthError, type ErrorCode } from '../../api/index.ts'
import type { Store } from './types.ts'

export type MakeStore = () => Store

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values)
}

function text(s: string): Uint8Array {
  return new TextEncoder().encode(s)
}

function decode(list: Uint8Array[]): string[] {
  return list.map((b) => new TextDecoder().decode(b))
}

function throwsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HearthError, `expected a HearthError, got ${String(err)}`)
    assert.equal(err.code, code)
    assert.ok(err.message.length > 0)
    return true
  })
}

export function runStoreContract(name: string, makeStore: MakeStore): void {
  describe(`Store contract: ${name}`, () => {
    let open: Store[] = []
    const fresh = (): Store => {
      const store = makeStore()
      open.push(store)
      return store
    }
    afterEach(() => {
      for (const store of open) store.close()
      open = []
    })

    describe('groups', () => {
      test('G1 a new store is empty', () => {
        const s = fresh()
        assert.deepEqual(s.listGroups(), [])
        assert.deepEqual(s.knownPeers(), [])
        assert.equal(s.getSetting('name'), undefined)
      })

      test('G2 addGroup is idempotent and keeps the first join time', () => {
        const s = fresh()
        s.addGroup('g1', 100)
        s.appendUpdate('g1', text('a'))
        s.addGroup('g1', 999)
        assert.deepEqual(s.listGroups(), [{ groupId: 'g1', joinedAt: 100 }])
        assert.deepEqual(decode(s.loadUpdates('g1')), ['a'], 're-adding must not wipe updates')
      })

      test('G3 listGroups is ordered by join time, then id', () => {
        const s = fresh()
        s.addGroup('c', 300)
        s.addGroup('b', 100)
        s.addGroup('a', 300)
        assert.deepEqual(
          s.listGroups().map((g) => g.groupId),
          ['b', 'a', 'c'],
        )
      })

      test('G4 removeGroup deletes the group, its updates and its snapshot, and nothing else', () => {
        const s = fresh()
        s.addGroup('gone', 1)
        s.addGroup('kept', 2)
        s.appendUpdate('gone', text('x1'))
        s.appendUpdate('gone', text('x2'))
        s.compact('gone', text('snap'), 1)
        s.appendUpdate('kept', text('k1'))
        s.removeGroup('gone')
        assert.deepEqual(s.listGroups(), [{ groupId: 'kept', joinedAt: 2 }])
        assert.deepEqual(s.loadUpdates('gone'), [])
        assert.equal(s.updateCount('gone'), 0)
        assert.equal(s.lastSeq('gone'), 0)
        assert.deepEqual(decode(s.loadUpdates('kept')), ['k1'])
        s.addGroup('gone', 5)
        assert.deepEqual(s.loadUpdates('gone'), [], 'a re-added group starts empty')
        assert.equal(s.appendUpdate('gone', text('new')), 1)
      })

      test('G5 removing an unknown group is a no-op', () => {
        const s = fresh()
        s.addGroup('g', 1)
        s.removeGroup('nope')
        assert.equal(s.listGroups().length, 1)
      })

      test('G6 invalid group arguments are refused with BAD_INPUT', () => {
        const s = fresh()
        throwsCode(() => s.addGroup('', 1), 'BAD_INPUT')
        throwsCode(() => s.addGroup('g', -1), 'BAD_INPUT')
        throwsCode(() => s.addGroup('g', 1.5), 'BAD_INPUT')
        throwsCode(() => s.addGroup('g', Number.NaN), 'BAD_INPUT')
        assert.deepEqual(s.listGroups(), [])
      })
    })

    describe('updates', () => {
      test('U1 appendUpdate hands out 1, 2, 3, ... per group, and lastSeq follows', () => {
        const s = fresh()
        s.addGroup('a', 1)
        s.addGroup('b', 1)
        assert.equal(s.lastSeq('a'), 0)
        assert.equal(s.appendUpdate('a', text('a1')), 1)
        assert.equal(s.appendUpdate('a', text('a2')), 2)
        assert.equal(s.appendUpdate('b', text('b1')), 1)
        assert.equal(s.appendUpdate('a', text('a3')), 3)
        assert.equal(s.lastSeq('a'), 3)
        assert.equal(s.lastSeq('b'), 1)
        assert.equal(s.updateCount('a'), 3)
      })

      test('U2 loadUpdates returns every update, byte for byte, in seq order', () => {
        const s = fresh()
        s.addGroup('g', 1)
        const all = Uint8Array.from({ length: 256 * 4 }, (_, i) => i % 256)
        const inputs = [bytes(0), all, bytes(255, 0, 255), text('한국어 ✓')]
        for (const u of inputs) s.appendUpdate('g', u)
        assert.deepEqual(s.loadUpdates('g'), inputs)
      })

      test('U3 a large update round-trips intact', () => {
        const s = fresh()
        s.addGroup('g', 1)
        const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 7919) % 251)
        s.appendUpdate('g', big)
        const [loaded] = s.loadUpdates('g')
        assert.ok(loaded)
        assert.equal(loaded.byteLength, big.byteLength)
        assert.ok(Buffer.from(loaded).equals(Buffer.from(big)))
      })

      test('U4 bytes are copied in and out', () => {
        const s = fresh()
        s.addGroup('g', 1)
        const input = bytes(1, 2, 3)
        s.appendUpdate('g', input)
        input[0] = 9
        const [out] = s.loadUpdates('g')
        assert.deepEqual(out, bytes(1, 2, 3))
        assert.ok(out)
        out[1] = 9
        assert.deepEqual(s.loadUpdates('g'), [bytes(1, 2, 3)])
      })

      test('U5 writing to an unknown group throws GROUP_NOT_FOUND and stores nothing', () => {
        const s = fresh()
        throwsCode(() => s.appendUpdate('nope', text('x')), 'GROUP_NOT_FOUND')
        s.addGroup('nope', 1)
        assert.deepEqual(s.loadUpdates('nope'), [])
        assert.equal(s.appendUpdate('nope', text('x')), 1)
      })

      test('U6 reading an unknown group returns nothing', () => {
        const s = fresh()
        assert.deepEqual(s.loadUpdates('nope'), [])
        assert.equal(s.updateCount('nope'), 0)
        assert.equal(s.lastSeq('nope'), 0)
      })

      test('U7 an empty update is refused with BAD_INPUT and uses no seq', () => {
        const s = fresh()
        s.addGroup('g', 1)
        throwsCode(() => s.appendUpdate('g', new Uint8Array(0)), 'BAD_INPUT')
        assert.equal(s.lastSeq('g'), 0)
        assert.equal(s.appendUpdate('g', text('x')), 1)
      })

      test('U8 an update stored without waiting for the disk is kept in order like any other', () => {
        const s = fresh()
        s.addGroup('g', 1)
        assert.equal(s.appendUpdate('g', text('mine'), { durable: true }), 1)
        assert.equal(s.appendUpdate('g', text('theirs'), { durable: false }), 2)
        assert.equal(s.appendUpdate('g', text('mine again')), 3)
        assert.deepEqual(decode(s.loadUpdates('g')), ['mine', 'theirs', 'mine again'])
        assert.equal(s.updateCount('g'), 3)
        throwsCode(() => s.appendUpdate('nope', text('x'), { durable: false }), 'GROUP_NOT_FOUND')
      })
    })

    describe('compaction', () => {
      test('C1 compact puts the snapshot first and keeps only the updates after uptoSeq', () => {
        const s = fresh()
        s.addGroup('g', 1)
        for (const u of ['u1', 'u2', 'u3', 'u4']) s.appendUpdate('g', text(u))
        s.compact('g', text('snap(1..2)'), 2)
        assert.deepEqual(decode(s.loadUpdates('g')), ['snap(1..2)', 'u3', 'u4'])
        assert.equal(s.updateCount('g'), 2)
        assert.equal(s.lastSeq('g'), 4)
      })

      test('C2 seqs are never reused after everything was compacted', () => {
        const s = fresh()
        s.addGroup('g', 1)
        s.appendUpdate('g', text('u1'))
        s.appendUpdate('g', text('u2'))
        s.compact('g', text('snap'), 2)
        assert.equal(s.updateCount('g'), 0)
        assert.equal(s.lastSeq('g'), 2)
        assert.equal(s.appendUpdate('g', text('u3')), 3)
        assert.deepEqual(decode(s.loadUpdates('g')), ['snap', 'u3'])
      })

      test('C3 a later compaction replaces the snapshot', () => {
        const s = fresh()
        s.addGroup('g', 1)
        for (const u of ['u1', 'u2', 'u3']) s.appendUpdate('g', text(u))
        s.compact('g', text('snapA'), 1)
        s.compact('g', text('snapB'), 3)
        assert.deepEqual(decode(s.loadUpdates('g')), ['snapB'])
        assert.equal(s.updateCount('g'), 0)
        s.compact('g', text('snapC'), 3)
        assert.deepEqual(decode(s.loadUpdates('g')), ['snapC'], 'same point may be re-snapshotted')
      })

      test('C4 a compaction point outside the stored range is refused and changes nothing', () => {
        const s = fresh()
        s.addGroup('g', 1)
        for (const u of ['u1', 'u2', 'u3']) s.appendUpdate('g', text(u))
        s.compact('g', text('snap'), 2)
        for (const bad of [4, 1, -1, 2.5, Number.NaN]) {
          throwsCode(() => s.compact('g', text('bad'), bad), 'BAD_INPUT')
        }
        throwsCode(() => s.compact('g', new Uint8Array(0), 3), 'BAD_INPUT')
        assert.deepEqual(decode(s.loadUpdates('g')), ['snap', 'u3'])
        assert.equal(s.updateCount('g'), 1)
      })

      test('C5 compacting an unknown group throws GROUP_NOT_FOUND', () => {
        const s = fresh()
        throwsCode(() => s.compact('nope', text('snap'), 0), 'GROUP_NOT_FOUND')
      })

      test('C6 a snapshot of a group with no updates yet is allowed', () => {
        const s = fresh()
        s.addGroup('g', 1)
        s.compact('g', text('initial'), 0)
        assert.deepEqual(decode(s.loadUpdates('g')), ['initial'])
        assert.equal(s.appendUpdate('g', text('u1')), 1)
        assert.deepEqual(decode(s.loadUpdates('g')), ['initial', 'u1'])
      })
    })

    describe('settings', () => {
      test('S1 a setting reads back what was last written', () => {
        const s = fresh()
        s.setSetting('displayName', 'Ada')
        s.setSetting('displayName', '에이다')
        s.setSetting('empty', '')
        assert.equal(s.getSetting('displayName'), '에이다')
        assert.equal(s.getSetting('empty'), '')
        assert.equal(s.getSetting('missing'), undefined)
      })

      test('S2 an empty setting name is refused with BAD_INPUT', () => {
        const s = fresh()
        throwsCode(() => s.setSetting('', 'x'), 'BAD_INPUT')
      })
    })

    describe('known peers', () => {
      test('P1 rememberPeer replaces addresses and time; knownPeers is newest first', () => {
        const s = fresh()
        s.rememberPeer('peerA', ['/ip4/10.0.0.1/tcp/1'], 100)
        s.rememberPeer('peerB', ['/ip4/10.0.0.2/tcp/2'], 200)
        s.rememberPeer('peerC', [], 200)
        s.rememberPeer('peerA', ['/ip4/10.0.0.9/tcp/9', '/ip6/::1/tcp/9'], 300)
        assert.deepEqual(s.knownPeers(), [
          { peerId: 'peerA', addrs: ['/ip4/10.0.0.9/tcp/9', '/ip6/::1/tcp/9'], seenAt: 300 },
          { peerId: 'peerB', addrs: ['/ip4/10.0.0.2/tcp/2'], seenAt: 200 },
          { peerId: 'peerC', addrs: [], seenAt: 200 },
        ])
      })

      test('P2 duplicate addresses are kept once, in the order given', () => {
        const s = fresh()
        s.rememberPeer('p', ['/b', '/a', '/b'], 1)
        assert.deepEqual(s.knownPeers()[0]?.addrs, ['/b', '/a'])
      })

      test('P3 invalid peer arguments are refused with BAD_INPUT', () => {
        const s = fresh()
        throwsCode(() => s.rememberPeer('', ['/a'], 1), 'BAD_INPUT')
        throwsCode(() => s.rememberPeer('p', [''], 1), 'BAD_INPUT')
        throwsCode(() => s.rememberPeer('p', ['/a'], -5), 'BAD_INPUT')
        assert.deepEqual(s.knownPeers(), [])
      })
    })

    describe('receipts', () => {
      const r = (reader: string, ts: number, messageId = `m${ts}`) => ({
        reader,
        ts,
        messageId,
        sig: `sig-${reader}-${ts}`,
      })

      test('R1 putReceipts keeps one marker per reader, replacing it; receipts are by reader', () => {
        const s = fresh()
        s.addGroup('g', 1)
        s.putReceipts('g', [r('peerB', 10), r('peerA', 5)])
        s.putReceipts('g', [r('peerB', 20)])
        assert.deepEqual(s.receipts('g'), [r('peerA', 5), r('peerB', 20)])
      })

      test('R2 receipts belong to their group and go with it', () => {
        const s = fresh()
        s.addGroup('g1', 1)
        s.addGroup('g2', 1)
        s.putReceipts('g1', [r('peerA', 5)])
        assert.deepEqual(s.receipts('g2'), [])
        throwsCode(() => s.putReceipts('nope', [r('peerA', 5)]), 'GROUP_NOT_FOUND')
        s.removeGroup('g1')
        assert.deepEqual(s.receipts('g1'), [])
        s.addGroup('g1', 2)
        assert.deepEqual(s.receipts('g1'), [], 'a group joined again starts without receipts')
      })

      test('R3 invalid receipts are refused with BAD_INPUT and nothing of the batch is kept', () => {
        const s = fresh()
        s.addGroup('g', 1)
        throwsCode(
          () => s.putReceipts('g', [r('peerA', 1), { ...r('peerB', 2), sig: '' }]),
          'BAD_INPUT',
        )
        throwsCode(() => s.putReceipts('g', [r('peerA', -1)]), 'BAD_INPUT')
        throwsCode(() => s.putReceipts('g', [r('peerA', 1), r('peerA', 2)]), 'BAD_INPUT')
        assert.deepEqual(s.receipts('g'), [])
      })
    })

    describe('lifecycle', () => {
      test('L1 after close every call throws STORAGE_FAILED; close is idempotent', () => {
        const s = fresh()
        s.addGroup('g', 1)
        s.close()
        s.close()
        throwsCode(() => s.listGroups(), 'STORAGE_FAILED')
        throwsCode(() => s.appendUpdate('g', text('x')), 'STORAGE_FAILED')
        throwsCode(() => s.loadUpdates('g'), 'STORAGE_FAILED')
        throwsCode(() => s.getSetting('k'), 'STORAGE_FAILED')
        throwsCode(() => s.knownPeers(), 'STORAGE_FAILED')
      })
    })
  })
}
