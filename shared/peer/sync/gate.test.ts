// The membership gate: a peer learns nothing about a group it is not in, and cannot change it.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { encodeFrame } from './frames.ts'
import {
  MSG_SYNC_STEP1,
  MSG_SYNC_STEP2,
  MSG_UPDATE,
  writeSyncStep1,
  writeUpdatePart,
} from './messages.ts'
import {
  Signal,
  closed,
  connect,
  contentOf,
  groupIdFor,
  startMember,
  startRawPeer,
  write,
} from './test-fixtures.ts'
import type { SyncMessage } from './messages.ts'

const G = groupIdFor('secret')
const H = groupIdFor('shared')

function someUpdate(): Uint8Array {
  const doc = new Y.Doc()
  write(doc, 'injected', 'by a stranger')
  return Y.encodeStateAsUpdate(doc)
}

function step2Count(received: SyncMessage[], groupId: string): number {
  return received.filter((m) => m.type === MSG_SYNC_STEP2 && m.groupId === groupId).length
}

describe('membership gate', () => {
  test('a peer sharing no group has its sync stream refused and is sent nothing', async (tc) => {
    const signal = new Signal()
    const v = await startMember(tc, signal)
    v.host.addGroup(G, [])
    const stranger = await startRawPeer(tc, signal)
    await connect(signal, stranger.t, v.t)

    let refusal: Error | undefined
    try {
      const stream = await stranger.open(v.t)
      stream.send(encodeFrame(writeUpdatePart(MSG_UPDATE, G, 10, new Uint8Array(10))))
      refusal = await closed(stream)
    } catch (err) {
      refusal = err as Error
    }
    assert.ok(refusal, 'the stream was reset, not accepted')
    assert.equal(stranger.inboundStreams, 0, 'we never opened a sync stream to the stranger')
    assert.deepEqual(stranger.received, [])
    assert.deepEqual(v.host.reads, [], 'no state of any group was read on its behalf')
    assert.deepEqual(v.host.applied, [])
  })

  test('a member of another group gets zero bytes about G and cannot write to G', async (tc) => {
    const signal = new Signal()
    const v = await startMember(tc, signal)
    const stranger = await startRawPeer(tc, signal)
    const docG = v.host.addGroup(G, [])
    write(docG, 'private', 'only for members')
    v.host.addGroup(H, [stranger.t.peerId])
    await connect(signal, stranger.t, v.t)

    // We greet with a step 1 for the one group we share, and only that one.
    await signal.until(
      () => stranger.received.some((m) => m.type === MSG_SYNC_STEP1 && m.groupId === H),
      'step 1 for H',
    )

    const stream = await stranger.open(v.t)
    const empty = Y.encodeStateVector(new Y.Doc())
    stream.send(encodeFrame(writeSyncStep1(G, empty)))
    // Messages are handled in order: once the reply about H is here, the step 1 for G was seen.
    stream.send(encodeFrame(writeSyncStep1(H, empty)))
    await signal.until(() => step2Count(stranger.received, H) === 1, 'step 2 for H')

    const update = someUpdate()
    stream.send(encodeFrame(writeUpdatePart(MSG_UPDATE, G, update.length, update)))
    stream.send(encodeFrame(writeUpdatePart(MSG_SYNC_STEP2, G, update.length, update)))
    stream.send(encodeFrame(writeSyncStep1(H, empty)))
    await signal.until(() => step2Count(stranger.received, H) === 2, 'second step 2 for H')

    assert.deepEqual(
      stranger.received.filter((m) => m.groupId === G),
      [],
      'not one message about G reached the non-member',
    )
    assert.ok(!v.host.reads.some((r) => r.groupId === G), 'G was never read on its behalf')
    assert.ok(!v.host.applied.some((r) => r.groupId === G), 'its writes to G were not applied')
    assert.deepEqual(contentOf(docG), { private: 'only for members' })
    const strikes = v.t.strikes.filter((s) => s.peerId === stranger.t.peerId)
    assert.equal(strikes.length, 2)
    for (const s of strikes) assert.match(s.reason, new RegExp(`${G}.*not a member`))
  })
})
