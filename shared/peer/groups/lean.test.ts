import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { SharedStrings, trimEntries, trimEntry } from './lean.ts'
import { GroupReplica } from './replica.ts'
import type { Signer } from './signing.ts'
import { join, makeSigners, ManualTime, options, pull } from './testing.ts'

const [founder, bob] = (await makeSigners(2)) as [Signer, Signer]

/** A group where both members wrote, edited and reacted, as the founder holds it. */
async function busyGroup(): Promise<{ replica: GroupReplica; time: ManualTime }> {
  const time = new ManualTime()
  const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
  const b = await join(a, a, bob, time)
  for (let i = 0; i < 30; i++) {
    time.now += 7
    const id = (i % 2 === 0 ? a : b).sendMessage(`line ${i}`)
    await pull(a, b)
    await pull(b, a)
    if (i % 5 === 0) b.react(id, '👍', true)
    if (i % 7 === 0 && i % 2 === 1) b.editMessage(id, `line ${i}, edited`)
    await pull(a, b)
  }
  b.destroy()
  return { replica: a, time }
}

describe('lean: a doc holding less memory keeps every value', () => {
  test('loading a stored state changes no byte of the doc, and no view', async () => {
    const { replica, time } = await busyGroup()
    const stored = replica.snapshot()
    const loaded = GroupReplica.load(replica.groupId, [stored], options(founder, time))
    assert.deepEqual(loaded.snapshot(), stored, 'the doc encodes to the same bytes')
    assert.deepEqual(loaded.messages(1000), replica.messages(1000))
    assert.equal(loaded.membership().digest, replica.membership().digest)
    replica.destroy()
    loaded.destroy()
  })

  test('entries arriving from a peer are the same entries after sharing and trimming', async () => {
    const { replica, time } = await busyGroup()
    const fresh = GroupReplica.empty(replica.groupId, options(bob, time))
    await pull(fresh, replica)
    assert.deepEqual(fresh.snapshot(), replica.snapshot())
    assert.deepEqual(fresh.messages(1000), replica.messages(1000))
    replica.destroy()
    fresh.destroy()
  })

  test('trimming keeps each entry and the element it holds', () => {
    const doc = new Y.Doc()
    const map = doc.getMap<unknown>('msgs')
    map.set('a', { text: 'one' })
    map.set('b', { text: 'two' })
    const before = Y.encodeStateAsUpdate(doc)
    const held = map.get('a')
    trimEntries(map)
    trimEntry(map, 'b')
    trimEntry(map, 'missing')
    assert.equal(map.get('a'), held, 'the same element, not a copy')
    assert.deepEqual(map.toJSON(), { a: { text: 'one' }, b: { text: 'two' } })
    assert.deepEqual(Y.encodeStateAsUpdate(doc), before)
    doc.destroy()
  })

  test('sharing strings leaves every value as it was, and frozen entries alone', () => {
    const strings = new SharedStrings('group-1')
    const first = { group: 'group-1', author: 'ann', ts: 1, prev: null, sig: 's1' }
    const second = { group: 'group-1', author: 'ann', ts: 2, prev: 'id-1', sig: 's2' }
    const foreign = { group: 'group-2', author: 'bob', ts: 3, prev: 'id-9', sig: 's3' }
    const frozen = Object.freeze({
      group: 'group-1',
      author: 'ann',
      ts: 4,
      prev: 'id-2',
      sig: 's4',
    })
    const copies = [first, second, foreign, frozen].map((e) => ({ ...e }))
    strings.share('id-1', first)
    strings.share('id-2', second)
    strings.share('id-3', foreign)
    strings.share('id-4', frozen)
    assert.deepEqual([first, second, foreign, frozen], copies)
  })
})
