import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MSG_SYNC_STEP2, MSG_UPDATE, ProtocolError } from './messages.ts'
import { Reassembler } from './reassembly.ts'
import { groupIdFor } from './test-fixtures.ts'
import type { UpdatePart } from './messages.ts'

const G = groupIdFor('family')
const H = groupIdFor('work')

function part(
  total: number,
  bytes: number[],
  type: UpdatePart['type'] = MSG_SYNC_STEP2,
  groupId = G,
): UpdatePart {
  return { type, groupId, total, chunk: Uint8Array.from(bytes) }
}

describe('Reassembler', () => {
  test('joins consecutive parts into the whole update', () => {
    const r = new Reassembler(100)
    assert.deepEqual(
      r.push(part(5, [1, 2]), () => true),
      { kind: 'partial' },
    )
    assert.equal(r.inProgress, true)
    assert.deepEqual(
      r.push(part(5, [3, 4]), () => true),
      { kind: 'partial' },
    )
    const done = r.push(part(5, [5]), () => true)
    assert.deepEqual(done, {
      kind: 'complete',
      type: MSG_SYNC_STEP2,
      groupId: G,
      update: Uint8Array.of(1, 2, 3, 4, 5),
    })
    assert.equal(r.inProgress, false)
  })

  test('refuses a declared total over the cap on the first part, before keeping anything', () => {
    const r = new Reassembler(100)
    let asked = false
    assert.throws(
      () =>
        r.push(part(101, [1]), () => {
          asked = true
          return true
        }),
      /exceeds the 100 cap/,
    )
    assert.equal(asked, false)
  })

  test('asks the gate once per update and only counts parts it refused', () => {
    const r = new Reassembler(100)
    let asked = 0
    const gate = () => {
      asked++
      return false
    }
    assert.deepEqual(r.push(part(3, [1, 2]), gate), { kind: 'partial' })
    assert.deepEqual(r.push(part(3, [3]), gate), {
      kind: 'discarded',
      type: MSG_SYNC_STEP2,
      groupId: G,
    })
    assert.equal(asked, 1)
  })

  const broken: [string, UpdatePart][] = [
    ['another group', part(4, [3], MSG_SYNC_STEP2, H)],
    ['another type', part(4, [3], MSG_UPDATE)],
    ['another total', part(5, [3])],
    ['more than the total', part(4, [3, 4, 5])],
  ]
  for (const [name, next] of broken) {
    test(`a part from ${name} breaks the update in progress`, () => {
      const r = new Reassembler(100)
      r.push(part(4, [1, 2]), () => true)
      assert.throws(() => r.push(next, () => true), ProtocolError)
    })
  }
})
