import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  MAX_HEADER_BYTES,
  MSG_AUTHOR_UPDATE,
  MSG_SYNC_STEP1,
  MSG_SYNC_STEP2,
  MSG_UPDATE,
  ProtocolError,
  STEP1_WANT_REPLY,
  readSyncMessage,
  recipientTag,
  writeAuthorUpdate,
  writeSyncStep1,
  writeUpdatePart,
  writeUpdateParts,
} from './messages.ts'
import { groupIdFor } from './test-fixtures.ts'

const G = groupIdFor('family')

describe('sync messages', () => {
  test('step 1 round-trips with its flags', () => {
    const sv = Uint8Array.from([1, 200, 3])
    for (const flags of [0, STEP1_WANT_REPLY]) {
      const msg = readSyncMessage(writeSyncStep1(G, sv, flags))
      assert.deepEqual(msg, { type: MSG_SYNC_STEP1, groupId: G, flags, stateVector: sv })
    }
  })

  test('an update is split into parts that carry the total and fit the header budget', () => {
    const update = Uint8Array.from({ length: 2500 }, (_, i) => i % 251)
    const parts = [...writeUpdateParts(MSG_SYNC_STEP2, G, update, 1000)].map(readSyncMessage)
    assert.equal(parts.length, 3)
    const back: number[] = []
    for (const p of parts) {
      if (p.type === MSG_SYNC_STEP1) assert.fail('not a part')
      assert.equal(p.type, MSG_SYNC_STEP2)
      assert.equal(p.groupId, G)
      assert.equal(p.total, 2500)
      back.push(...p.chunk)
    }
    assert.deepEqual(Uint8Array.from(back), update)
    const encoded = writeUpdatePart(MSG_UPDATE, G, 2 ** 40, new Uint8Array(1000))
    assert.ok(encoded.length <= 1000 + MAX_HEADER_BYTES)
  })

  test('an author update round-trips with the tags of its recipients', () => {
    const update = Uint8Array.of(1, 2, 3)
    const tags = ['12D3KooWAlice', '12D3KooWBob'].map(recipientTag)
    assert.deepEqual(readSyncMessage(writeAuthorUpdate(G, update, tags)), {
      type: MSG_AUTHOR_UPDATE,
      groupId: G,
      sentTo: new Set(tags),
      update,
    })
    assert.equal(recipientTag('12D3KooWAlice'), recipientTag('12D3KooWAlice'))
    assert.notEqual(recipientTag('12D3KooWAlice'), recipientTag('12D3KooWBob'))
    assert.deepEqual(readSyncMessage(writeAuthorUpdate(G, update, [])), {
      type: MSG_AUTHOR_UPDATE,
      groupId: G,
      sentTo: new Set(),
      update,
    })
  })

  const header3 = [MSG_AUTHOR_UPDATE, 26, ...new TextEncoder().encode(G)]
  const bad: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['unknown type', Uint8Array.of(4, 26, ...new TextEncoder().encode(G))],
    ['an author update without its update', writeAuthorUpdate(G, new Uint8Array(0), [])],
    ['an author update with a truncated tag', Uint8Array.of(...header3, 1, 7, 7, 7)],
    // 0x81 0x02 is 257, one past MAX_RECIPIENTS.
    ['an author update naming too many', Uint8Array.of(...header3, 0x81, 0x02, 1)],
    ['truncated group id', Uint8Array.of(MSG_SYNC_STEP1, 26, 97, 97)],
    ['group id too long', Uint8Array.of(MSG_SYNC_STEP1, 100, ...new Uint8Array(100))],
    ['not a group id', writeSyncStep1('NOT-A-GROUP', new Uint8Array(0))],
    ['invalid UTF-8 group id', Uint8Array.of(MSG_SYNC_STEP1, 2, 0xc3, 0x28)],
    ['step 1 without flags', Uint8Array.of(MSG_SYNC_STEP1, 26, ...new TextEncoder().encode(G))],
    ['unknown flags', writeSyncStep1(G, new Uint8Array(0), 0x80)],
    ['zero total', writeUpdatePart(MSG_UPDATE, G, 0, Uint8Array.of(1))],
    ['empty part', writeUpdatePart(MSG_UPDATE, G, 5, new Uint8Array(0))],
    ['part larger than its total', writeUpdatePart(MSG_UPDATE, G, 1, Uint8Array.of(1, 2))],
    [
      'endless varint',
      Uint8Array.of(
        MSG_UPDATE,
        26,
        ...new TextEncoder().encode(G),
        ...new Uint8Array(12).fill(0xff),
      ),
    ],
  ]
  for (const [name, bytes] of bad) {
    test(`rejects ${name}`, () => {
      assert.throws(() => readSyncMessage(bytes), ProtocolError)
    })
  }
})
