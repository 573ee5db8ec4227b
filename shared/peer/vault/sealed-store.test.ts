// The sealing Store keeps every rule of the Store contract over any Store, and what it stores does
// not open anywhere but where it was put.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { after, describe, test } from 'node:test'
import { HearthError } from '../../api/index.ts'
import { runStoreContract } from '../storage/contract.ts'
import { MemoryStore } from '../storage/memory.ts'
import { DATABASE_FILE, openSqliteStore } from '../storage/sqlite.ts'
import type { Store } from '../storage/types.ts'
import { randomKey } from './crypto.ts'
import { SealedStore } from './sealed-store.ts'
import { Sealer } from './sealer.ts'

const dirs: string[] = []
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-sealed-store-'))
  dirs.push(dir)
  return dir
}
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
})

const sealer = new Sealer(randomKey())
runStoreContract('SealedStore over MemoryStore', () => new SealedStore(new MemoryStore(), sealer))
runStoreContract(
  'SealedStore over SqliteStore',
  () => new SealedStore(openSqliteStore(tempDir()), sealer),
)

const text = (s: string) => new TextEncoder().encode(s)
const decode = (list: Uint8Array[]) => list.map((b) => new TextDecoder().decode(b))

function tampered(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof HearthError, `expected a HearthError, got ${String(err)}`)
    assert.equal(err.code, 'STORAGE_FAILED')
    assert.match(err.message, pattern)
    return true
  }
}

/** A sealed store over a memory store, and the raw rows the memory store holds. */
function filled(): { inner: MemoryStore; store: Store } {
  const inner = new MemoryStore()
  const store = new SealedStore(inner, sealer)
  store.addGroup('family', 1)
  store.addGroup('office', 2)
  store.appendUpdate('family', text('one'))
  store.appendUpdate('family', text('two'))
  store.appendUpdate('office', text('three'))
  store.setSetting('name', '민수')
  store.setSetting('other', 'x')
  store.rememberPeer('peerA', ['/ip4/192.168.1.20/tcp/4001'], 10)
  store.rememberPeer('peerB', ['/ip4/192.168.1.21/tcp/4001'], 11)
  return { inner, store }
}

describe('sealed values stay where they were put', () => {
  test('the inner store holds no plaintext, only what it needs to work', () => {
    const { inner, store } = filled()
    assert.deepEqual(decode(store.loadUpdates('family')), ['one', 'two'])
    assert.equal(store.getSetting('name'), '민수')
    assert.deepEqual(store.knownPeers()[0], {
      peerId: 'peerB',
      addrs: ['/ip4/192.168.1.21/tcp/4001'],
      seenAt: 11,
    })
    const raw = [
      ...inner.loadUpdates('family'),
      ...inner.loadUpdates('office'),
      text(inner.getSetting('name') ?? ''),
      text(JSON.stringify(inner.knownPeers())),
    ]
    for (const needle of ['one', 'two', 'three', '민수', '192.168']) {
      assert.ok(!raw.some((r) => Buffer.from(r).includes(Buffer.from(needle))), needle)
    }
    assert.deepEqual(
      inner.listGroups(),
      store.listGroups(),
      'group ids and join times stay readable',
    )
  })

  test('updates swapped with each other, moved to another group, or changed by a bit do not load', () => {
    const { inner } = filled()
    const [one, two] = inner.loadUpdates('family') as [Uint8Array, Uint8Array]
    const [three] = inner.loadUpdates('office') as [Uint8Array]
    const rebuilt = (rows: Uint8Array[]) => {
      const other = new MemoryStore()
      other.addGroup('family', 1)
      for (const row of rows) other.appendUpdate('family', row)
      return new SealedStore(other, sealer)
    }
    assert.deepEqual(decode(rebuilt([one, two]).loadUpdates('family')), ['one', 'two'])
    assert.throws(() => rebuilt([two, one]).loadUpdates('family'), tampered(/out of order/))
    assert.throws(() => rebuilt([one, one]).loadUpdates('family'), tampered(/out of order/))
    assert.throws(() => rebuilt([three]).loadUpdates('family'), tampered(/changed, moved/))
    const flipped = two.slice()
    flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 0x80
    assert.throws(() => rebuilt([one, flipped]).loadUpdates('family'), tampered(/changed, moved/))
    assert.throws(
      () => rebuilt([text('a plaintext row')]).loadUpdates('family'),
      tampered(/not sealed/),
    )
  })

  test('a snapshot opens only first, for its group, and covers the rows it replaced', () => {
    const { inner, store } = filled()
    store.compact('family', text('one+two'), 2)
    store.appendUpdate('family', text('four'))
    assert.deepEqual(decode(store.loadUpdates('family')), ['one+two', 'four'])
    const [snapshot, four] = inner.loadUpdates('family') as [Uint8Array, Uint8Array]
    const other = new MemoryStore()
    other.addGroup('family', 1)
    other.appendUpdate('family', four)
    other.appendUpdate('family', snapshot)
    assert.throws(
      () => new SealedStore(other, sealer).loadUpdates('family'),
      tampered(/snapshot sits among the updates/),
    )
  })

  test('a setting or a peer address copied to another name does not open', () => {
    const { inner, store } = filled()
    inner.setSetting('other', inner.getSetting('name') as string)
    assert.throws(() => store.getSetting('other'), tampered(/setting "other"/))
    const peerB = inner.knownPeers().find((p) => p.peerId === 'peerB')
    assert.ok(peerB)
    inner.rememberPeer('peerA', peerB.addrs, 12)
    assert.throws(() => store.knownPeers(), tampered(/addresses of peerA/))
  })

  test('a read marker keeps its message and signature sealed, and opens only for its reader', () => {
    const { inner, store } = filled()
    const marker = { reader: 'peerA', ts: 50, messageId: 'msg-seen-last', sig: 'sig-of-peerA' }
    store.putReceipts('family', [marker, { ...marker, reader: 'peerB', sig: 'sig-of-peerB' }])
    assert.deepEqual(store.receipts('family')[0], marker)
    const raw = JSON.stringify(inner.receipts('family'))
    assert.ok(!raw.includes('msg-seen-last') && !raw.includes('sig-of'), raw)
    const sealedB = inner.receipts('family').find((r) => r.reader === 'peerB')
    assert.ok(sealedB)
    inner.putReceipts('family', [{ ...sealedB, reader: 'peerA' }])
    assert.throws(() => store.receipts('family'), tampered(/read marker of peerA/))
  })

  test('rows swapped inside the sqlite file are caught when the group loads', () => {
    const dir = tempDir()
    const store = new SealedStore(openSqliteStore(dir), sealer)
    store.addGroup('family', 1)
    store.appendUpdate('family', text('first'))
    store.appendUpdate('family', text('second'))
    store.close()
    const db = new DatabaseSync(path.join(dir, DATABASE_FILE))
    db.exec(`UPDATE updates SET seq = -seq;
             UPDATE updates SET seq = CASE seq WHEN -1 THEN 2 ELSE 1 END`)
    db.close()
    const reopened = new SealedStore(openSqliteStore(dir), sealer)
    try {
      assert.throws(() => reopened.loadUpdates('family'), tampered(/out of order/))
    } finally {
      reopened.close()
    }
  })
})
