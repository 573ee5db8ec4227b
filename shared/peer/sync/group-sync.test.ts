// Group sync between real libp2p nodes (memory transport, Noise, yamux) with Y.Doc-backed hosts.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { generateKeyPair } from '@libp2p/crypto/keys'
import {
  FakeHost,
  Signal,
  connect,
  contentOf,
  groupIdFor,
  sameContent,
  startMember,
  startNode,
  syncOf,
  write,
} from './test-fixtures.ts'
import type { Member } from './test-fixtures.ts'
import type { SyncLimits } from './group-sync.ts'
import type { TestContext } from 'node:test'

const G = groupIdFor('family')

async function members(
  tc: TestContext,
  signal: Signal,
  count: number,
  limits?: Partial<SyncLimits>,
): Promise<Member[]> {
  const out: Member[] = []
  for (let i = 0; i < count; i++) out.push(await startMember(tc, signal, limits))
  return out
}

function ids(ms: Member[]): string[] {
  return ms.map((m) => m.t.peerId)
}

/** Three members of group G, each relaying what it applies, not yet connected. */
async function threeRelaying(tc: TestContext, signal: Signal) {
  const [a, b, c] = (await members(tc, signal, 3)) as [Member, Member, Member]
  const docs = [a, b, c].map((m) => m.host.addGroup(G, ids([a, b, c]))) as [Y.Doc, Y.Doc, Y.Doc]
  for (const m of [a, b, c]) m.host.relayThrough(syncOf(m.t))
  return { a, b, c, docs }
}

describe('group sync', () => {
  test('step 1 / step 2 converge both ways and report synced', async (tc) => {
    const signal = new Signal()
    const [a, b] = (await members(tc, signal, 2)) as [Member, Member]
    const docA = a.host.addGroup(G, ids([a, b]))
    const docB = b.host.addGroup(G, ids([a, b]))
    write(docA, 'fromA', 1)
    write(docB, 'fromB', 2)

    await connect(signal, a.t, b.t)
    await signal.until(
      () =>
        a.t.synced.some((s) => s.groupId === G && s.peerId === b.t.peerId) &&
        b.t.synced.some((s) => s.groupId === G && s.peerId === a.t.peerId),
      'both sides synced',
    )
    assert.deepEqual(contentOf(docA), { fromA: 1, fromB: 2 })
    assert.deepEqual(contentOf(docB), { fromA: 1, fromB: 2 })
    assert.deepEqual(a.t.strikes, [])
    assert.deepEqual(b.t.strikes, [])
  })

  test('live updates are relayed A → B → C when A and C are not connected', async (tc) => {
    const signal = new Signal()
    const { a, b, c, docs } = await threeRelaying(tc, signal)
    await connect(signal, a.t, b.t)
    await connect(signal, b.t, c.t)
    assert.equal(a.t.node.getConnections(c.t.node.peerId).length, 0)

    write(docs[0], 'hello', 'from A')
    write(docs[2], 'reply', 'from C')
    const want = { hello: 'from A', reply: 'from C' }
    await signal.until(
      () => docs.every((d) => sameContent(d, want)),
      'all three docs hold both writes',
    )
    for (const d of docs) assert.deepEqual(contentOf(d), want)
  })

  test('in a full mesh an update reaches each member once: its author names whom it sent it to', async (tc) => {
    const signal = new Signal()
    const { a, b, c, docs } = await threeRelaying(tc, signal)
    await connect(signal, a.t, b.t)
    await connect(signal, a.t, c.t)
    await connect(signal, b.t, c.t)
    const syncedWith = (m: Member, others: Member[]) =>
      others.every((o) => m.t.synced.some((s) => s.peerId === o.t.peerId))
    await signal.until(
      () => syncedWith(a, [b, c]) && syncedWith(b, [a, c]) && syncedWith(c, [a, b]),
      'everyone synced with everyone',
    )
    const fromB = () => c.host.applied.filter((r) => r.from === b.t.peerId).length
    const before = fromB()

    write(docs[0], 'hello', 'from A')
    await signal.until(
      () => docs.every((d) => sameContent(d, { hello: 'from A' })),
      'everyone holds A’s write',
    )
    // B's own write travels to C on the same stream as any relay of A's would have, after it.
    write(docs[1], 'reply', 'from B')
    await signal.until(
      () => sameContent(docs[2], { hello: 'from A', reply: 'from B' }),
      'C holds B’s write',
    )
    assert.equal(fromB() - before, 1, 'C heard from B only B’s own write, not a relay of A’s')
  })

  test('an update with a gap makes the receiver ask for the full diff', async (tc) => {
    const signal = new Signal()
    const [a, b] = (await members(tc, signal, 2)) as [Member, Member]
    const docA = a.host.addGroup(G, ids([a, b]))
    const docB = b.host.addGroup(G, ids([a, b]))
    await connect(signal, a.t, b.t)
    await signal.until(() => b.t.synced.length > 0, 'initial sync')

    // The first write never goes out, so the second one reaches B with a hole before it.
    write(docA, 'first', 1)
    let second: Uint8Array | null = null
    docA.once('update', (u: Uint8Array) => {
      second = u
    })
    write(docA, 'second', 2)
    assert.ok(second)
    const syncedBefore = b.t.synced.length
    syncOf(a.t).broadcast(G, second)

    // Applying resolves before the sync layer hears of it: wait for the step 2 to be counted.
    await signal.until(
      () => sameContent(docB, { first: 1, second: 2 }) && b.t.synced.length > syncedBefore,
      'B filled the gap with a step 2',
    )
    assert.ok(b.host.applied.some((r) => r.groupId === G && r.kind === 'gap'))
    assert.deepEqual(b.t.strikes, [])
  })

  test('a large step 2 travels in parts and converges', async (tc) => {
    const signal = new Signal()
    const limits = { maxFrameBytes: 64 * 1024, partBytes: 16 * 1024 }
    const [a, b] = (await members(tc, signal, 2, limits)) as [Member, Member]
    const docA = a.host.addGroup(G, ids([a, b]))
    const docB = b.host.addGroup(G, ids([a, b]))
    docA.transact(() => {
      for (let i = 0; i < 2_000; i++) write(docA, `m${i}`, `message ${i} `.repeat(20))
    })
    const size = Y.encodeStateAsUpdate(docA).length
    assert.ok(size > 20 * limits.partBytes, `update of ${size} bytes spans many parts`)

    await connect(signal, a.t, b.t)
    await signal.until(() => b.t.synced.some((s) => s.peerId === a.t.peerId), 'B synced from A')
    assert.deepEqual(contentOf(docB), contentOf(docA))
  })

  test('openGroup starts a two-way sync of a group shared after connecting', async (tc) => {
    const signal = new Signal()
    const [a, b] = (await members(tc, signal, 2)) as [Member, Member]
    await connect(signal, a.t, b.t)
    // Nothing shared yet, so nothing was sent and no stream was opened.
    assert.deepEqual(a.host.reads, [])
    assert.deepEqual(b.host.reads, [])

    const docA = a.host.addGroup(G, ids([a, b]))
    const docB = b.host.addGroup(G, ids([a, b]))
    write(docA, 'a', 1)
    write(docB, 'b', 2)
    syncOf(a.t).openGroup(G)
    await signal.until(
      () =>
        a.t.synced.some((s) => s.groupId === G) &&
        b.t.synced.some((s) => s.groupId === G) &&
        sameContent(docA, contentOf(docB)),
      'both synced after openGroup',
    )
    assert.deepEqual(contentOf(docA), { a: 1, b: 2 })
  })

  test('a peer that cannot keep up has its queue dropped and is resynced', async (tc) => {
    const signal = new Signal()
    const [a, b] = (await members(tc, signal, 2, { maxQueuedBytes: 8 * 1024 })) as [Member, Member]
    const docA = a.host.addGroup(G, ids([a, b]))
    const docB = b.host.addGroup(G, ids([a, b]))
    a.host.relayThrough(syncOf(a.t))
    await connect(signal, a.t, b.t)
    await signal.until(() => b.t.synced.length > 0, 'initial sync')

    // 300 updates of ~2 KiB written in one go: far more than 8 KiB can queue.
    for (let i = 0; i < 300; i++) write(docA, `k${i}`, 'x'.repeat(2048))
    await signal.until(
      () => docB.getMap('m').size === 300,
      'B received every write despite the dropped queue',
    )
    assert.deepEqual(contentOf(docB), contentOf(docA))
    assert.deepEqual(b.t.strikes, [])
  })

  test('after a peer restarts, sync resumes on the new connection', async (tc) => {
    const signal = new Signal()
    const a = await startMember(tc, signal)
    const keyB = await generateKeyPair('Ed25519')
    const hostB = new FakeHost(signal)
    let b = await startNode(signal, { host: hostB, node: { privateKey: keyB } })
    tc.after(() => b.node.stop())
    hostB.bind(b.peerId)
    const docA = a.host.addGroup(G, [b.peerId])
    const docB = hostB.addGroup(G, [a.t.peerId])
    a.host.relayThrough(syncOf(a.t))
    await connect(signal, a.t, b)
    write(docA, 'before', 1)
    await signal.until(() => sameContent(docB, { before: 1 }), 'first write arrived')

    await b.node.stop()
    await signal.until(() => syncOf(a.t).connectedPeers().length === 0, 'A dropped the link')
    write(docA, 'while away', 2)

    // Same key, same address, same stored doc: a restart.
    const hostB2 = new FakeHost(signal)
    b = await startNode(signal, { host: hostB2, node: { privateKey: keyB, listen: [b.addr] } })
    hostB2.bind(b.peerId)
    hostB2.addGroup(G, [a.t.peerId], docB)
    await connect(signal, a.t, b)
    write(docA, 'after', 3)
    await signal.until(
      () => sameContent(docB, { before: 1, 'while away': 2, after: 3 }),
      'B caught up after the restart',
    )
  })
})
