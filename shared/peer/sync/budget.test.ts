// The node-wide reassembly budget: updates that do not fit are skipped without penalty and
// asked for again once memory frees, so memory stays bounded and nothing is lost.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { encodeFrame } from './frames.ts'
import { MSG_SYNC_STEP1, MSG_SYNC_STEP2, writeUpdateParts } from './messages.ts'
import { Signal, connect, groupIdFor, startMember, startRawPeer, write } from './test-fixtures.ts'
import type { RawPeer } from './test-fixtures.ts'

const G = groupIdFor('family')
const KiB = 1024

function updateOf(bytes: number): Uint8Array {
  const doc = new Y.Doc()
  write(doc, 'blob', 'x'.repeat(bytes))
  return Y.encodeStateAsUpdate(doc)
}

function step1Count(raw: RawPeer): number {
  return raw.received.filter((m) => m.type === MSG_SYNC_STEP1 && m.groupId === G).length
}

test('an update that does not fit the memory budget is skipped, then asked for again', async (tc) => {
  const signal = new Signal()
  const limits = {
    maxFrameBytes: 32 * KiB,
    partBytes: 16 * KiB,
    maxUpdateBytes: 64 * KiB,
    maxReassemblyBytes: 64 * KiB,
  }
  const v = await startMember(tc, signal, limits)
  const r1 = await startRawPeer(tc, signal)
  const r2 = await startRawPeer(tc, signal)
  v.host.addGroup(G, [r1.t.peerId, r2.t.peerId])
  await connect(signal, r1.t, v.t)
  await connect(signal, r2.t, v.t)
  await signal.until(() => step1Count(r1) === 1 && step1Count(r2) === 1, 'greetings')

  const big = updateOf(50 * KiB)
  const small = updateOf(20 * KiB)
  const bigParts = [...writeUpdateParts(MSG_SYNC_STEP2, G, big, limits.partBytes)]
  assert.ok(bigParts.length > 1)
  const s1 = await r1.open(v.t)
  s1.send(encodeFrame(bigParts[0] as Uint8Array))
  // A ping on the same connection comes back only after the victim has read that first part.
  await r1.t.node.services.ping.ping(v.t.node.peerId)

  const s2 = await r2.open(v.t)
  for (const part of writeUpdateParts(MSG_SYNC_STEP2, G, small, limits.partBytes)) {
    s2.send(encodeFrame(part))
  }
  for (const part of bigParts.slice(1)) s1.send(encodeFrame(part))

  await signal.until(() => step1Count(r2) === 2, 'the skipped sender was asked again')
  assert.deepEqual(
    v.host.applied.map((r) => [r.from, r.kind]),
    [[r1.t.peerId, 'applied']],
    'only the update that fitted was applied',
  )
  assert.equal(step1Count(r1), 1)
  assert.deepEqual(v.t.strikes, [], 'running out of room is not the sender’s fault')
})

test('an update the host is still applying keeps its room in the budget', async (tc) => {
  const signal = new Signal()
  const limits = {
    maxFrameBytes: 32 * KiB,
    partBytes: 16 * KiB,
    maxUpdateBytes: 64 * KiB,
    maxReassemblyBytes: 64 * KiB,
  }
  const v = await startMember(tc, signal, limits)
  const r1 = await startRawPeer(tc, signal)
  const r2 = await startRawPeer(tc, signal)
  v.host.addGroup(G, [r1.t.peerId, r2.t.peerId])
  await connect(signal, r1.t, v.t)
  await connect(signal, r2.t, v.t)
  await signal.until(() => step1Count(r1) === 1 && step1Count(r2) === 1, 'greetings')

  v.host.holdApplies = true
  const s1 = await r1.open(v.t)
  for (const part of writeUpdateParts(MSG_SYNC_STEP2, G, updateOf(50 * KiB), limits.partBytes)) {
    s1.send(encodeFrame(part))
  }
  await signal.until(() => v.host.requested.length === 1, 'the host is applying the first update')

  // Fully received, but the host still holds the first update: no room for this one.
  const s2 = await r2.open(v.t)
  for (const part of writeUpdateParts(MSG_SYNC_STEP2, G, updateOf(20 * KiB), limits.partBytes)) {
    s2.send(encodeFrame(part))
  }
  await r2.t.node.services.ping.ping(v.t.node.peerId)
  assert.deepEqual(
    v.host.requested.map((r) => r.from),
    [r1.t.peerId],
    'the second update was not kept while the first was being applied',
  )
  assert.equal(step1Count(r2), 1)

  v.host.releaseHeld()
  await signal.until(() => step1Count(r2) === 2, 'the skipped sender was asked again')
  assert.deepEqual(
    v.host.applied.map((r) => [r.from, r.kind]),
    [[r1.t.peerId, 'applied']],
  )
  assert.deepEqual(v.t.strikes, [], 'running out of room is not the sender’s fault')
})
