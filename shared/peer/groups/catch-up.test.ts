// Applying large remote updates: checked in slices while the event loop keeps running, queued in
// the order they were handed in, and stored exactly as they were checked.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { HearthError } from '../../api/index.ts'
import { GroupReplica } from './replica.ts'
import type { Signer } from './signing.ts'
import { join, makeSigners, ManualTime, options, pull } from './testing.ts'
import { PARSE_SLICE } from './validate.ts'

const [founder, bob] = (await makeSigners(2)) as [Signer, Signer]

/** Founder's replica `a` and Bob's `b`, in sync; Bob then writes `count` messages `a` lacks. */
async function behind(count: number) {
  const time = new ManualTime()
  const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
  time.now += 1000
  const b = await join(a, a, bob, time)
  await pull(a, b)
  for (let i = 0; i < count; i++) b.sendMessage(`m${i}`)
  return { a, b, time, update: b.diff(a.stateVector()) }
}

const LARGE = PARSE_SLICE * 2 + 1

describe('catch-up: large updates', () => {
  test('a large update is checked in slices; meanwhile the event loop runs and local writes go on', async () => {
    const { a, update } = await behind(LARGE)
    let settled = false
    const applying = a.applyRemote(update, 'b').finally(() => {
      settled = true
    })
    // Count the turns of the event loop until the update is applied; write in the first one.
    let turns = 0
    let local = ''
    const turn = (): void => {
      if (settled) return
      if (turns++ === 0) local = a.sendMessage('written while catching up')
      setImmediate(turn)
    }
    setImmediate(turn)
    assert.deepEqual(await applying, { kind: 'applied' })
    // At least one turn between each two slices of the check (it yields every PARSE_SLICE).
    assert.ok(turns >= 2, `only ${turns} turns of the event loop while applying`)
    assert.equal(a.messageCount(), LARGE + 1)
    assert.equal(a.message(local)?.text, 'written while catching up')
  })

  test('updates apply in the order they were handed in, even while a large one is checked', async () => {
    const { a, b, update } = await behind(LARGE)
    let next: Uint8Array | null = null
    b.on('update', (u) => {
      next = u
    })
    b.sendMessage('continues the large update')
    assert.ok(next)
    // On its own, the small update starts past what `a` holds of Bob's client: a gap.
    const twin = GroupReplica.load(a.groupId, [a.snapshot()], options(founder, new ManualTime()))
    assert.deepEqual(await twin.applyRemote(next, 'b'), { kind: 'gap' })
    const [first, second] = await Promise.all([
      a.applyRemote(update, 'b'),
      a.applyRemote(next, 'b'),
    ])
    assert.deepEqual([first, second], [{ kind: 'applied' }, { kind: 'applied' }])
    assert.equal(a.messages(1)[0]?.text, 'continues the large update')
    twin.destroy()
  })

  test('a large update counts as catching up, with its new entries, until it is applied', async () => {
    const { a, b, update } = await behind(LARGE)
    const seen: { active: boolean; entries: number }[] = []
    a.on('catchUpChanged', () => seen.push(a.catchUp()))
    const small = (() => {
      b.sendMessage('small')
      return b.diff(a.stateVector())
    })()
    const applying = Promise.all([a.applyRemote(update, 'b'), a.applyRemote(small, 'b')])
    // Counted as soon as the check has read whose entries it holds: the small one not yet.
    assert.deepEqual(a.catchUp(), { active: true, entries: LARGE })
    await applying
    assert.deepEqual(a.catchUp(), { active: false, entries: 0 })
    assert.ok(
      seen.some((s) => s.active && s.entries === LARGE),
      `the large update's ${LARGE} new entries were shown: ${JSON.stringify(seen)}`,
    )
    // The small one queued behind it, holding the same entries and one more, counts only those
    // it still adds when its turn comes.
    assert.ok(!seen.some((s) => s.entries > LARGE + 1))
    assert.equal(a.messageCount(), LARGE + 1)
  })

  test('an update checked at once never counts as catching up', async () => {
    const { a, update } = await behind(3)
    let changes = 0
    a.on('catchUpChanged', () => changes++)
    assert.deepEqual(await a.applyRemote(update, 'b'), { kind: 'applied' })
    assert.equal(changes, 0)
    assert.deepEqual(a.catchUp(), { active: false, entries: 0 })
  })

  test('destroying the replica while an update is checked rejects it and every one queued', async () => {
    const { a, update } = await behind(LARGE)
    const before = a.messageCount()
    const large = a.applyRemote(update, 'b')
    const queued = a.applyRemote(update, 'b')
    setImmediate(() => a.destroy())
    const closed = (err: unknown) => err instanceof HearthError && err.code === 'GROUP_NOT_FOUND'
    await assert.rejects(large, closed)
    await assert.rejects(queued, closed)
    assert.equal(a.messageCount(), before)
    await assert.rejects(a.applyRemote(update, 'b'), closed)
  })
})

describe('catch-up: what is stored and relayed', () => {
  test('an update whose entries are all new is handed out as received, before local writes', async () => {
    const { a, update } = await behind(3)
    const seen: [Uint8Array, string | null][] = []
    a.on('update', (u, from) => seen.push([u, from]))
    // A listener that answers every new message writes inside the remote transaction's events.
    a.on('messageAdded', (m) => {
      if (m.author === bob.peerId && m.text === 'm2') a.react(m.id, '👀', true)
    })
    assert.deepEqual(await a.applyRemote(update, 'b'), { kind: 'applied' })
    assert.equal(seen.length, 2)
    assert.deepEqual(seen[0], [update, 'b'])
    assert.equal(seen[1]?.[1], null)
    // Local writes are still handed out afterwards.
    a.sendMessage('after')
    assert.equal(seen.length, 3)
  })

  test('an update holding entries we already have hands out only what is new', async () => {
    const { a, b } = await behind(2)
    await pull(a, b)
    const stored = [a.snapshot()]
    b.sendMessage('new')
    const everything = b.diff(new Uint8Array([0]))
    const seen: Uint8Array[] = []
    a.on('update', (u) => seen.push(u))
    assert.deepEqual(await a.applyRemote(everything, 'b'), { kind: 'applied' })
    assert.equal(seen.length, 1)
    const handedOut = seen[0] as Uint8Array
    assert.ok(handedOut.length < everything.length)
    // What was handed out is all a store needs to rebuild the same state.
    const doc = new Y.Doc()
    for (const u of [...stored, handedOut]) Y.applyUpdate(doc, u)
    assert.deepEqual(Y.encodeStateVector(doc), a.stateVector())
    doc.destroy()
  })
})
