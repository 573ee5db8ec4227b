// /hearth/join/1.0.0 between real nodes: the verdict travels, nothing else does.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { HearthError } from '../../api/index.ts'
import { encodeFrame, varintLength, writeVarint } from './frames.ts'
import { JOIN_PROTOCOL, MAX_JOIN_REQUEST_BYTES, handleJoinProtocol, requestJoin } from './join.ts'
import { Signal, closed, groupIdFor, startNode } from './test-fixtures.ts'
import type { JoinHost, JoinServiceInit } from './join.ts'
import type { TestNode } from './test-fixtures.ts'
import type { TestContext } from 'node:test'

const G = groupIdFor('family')

interface Call {
  invite: string
  request: unknown
  remote: string
}

async function member(
  tc: TestContext,
  signal: Signal,
  admit: JoinHost['admit'],
  options: Omit<JoinServiceInit, 'host'> = {},
): Promise<{ t: TestNode; calls: Call[]; strikes: { peerId: string; reason: string }[] }> {
  const t = await startNode(signal)
  tc.after(() => t.node.stop())
  const calls: Call[] = []
  const strikes: { peerId: string; reason: string }[] = []
  await handleJoinProtocol(
    t.node,
    {
      admit: async (invite, request, remote) => {
        calls.push({ invite, request, remote })
        return admit(invite, request, remote)
      },
    },
    {
      ...options,
      onStrike: (peerId, reason) => {
        strikes.push({ peerId, reason })
        signal.notify()
      },
    },
  )
  return { t, calls, strikes }
}

async function joiner(tc: TestContext, signal: Signal): Promise<TestNode> {
  const t = await startNode(signal)
  tc.after(() => t.node.stop())
  return t
}

function ask(
  from: TestNode,
  to: TestNode,
  invite = 'hearth-invite:abc',
  request: unknown = { v: 1 },
) {
  return requestJoin(from.node, multiaddr(`${to.addr}/p2p/${to.peerId}`), invite, request, {
    signal: AbortSignal.timeout(10_000),
  })
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<HearthError> {
  const err = await p.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  )
  assert.ok(err instanceof HearthError, String(err))
  assert.equal(err.code, code, err.message)
  return err
}

describe('join protocol', () => {
  test('admitted: the joiner gets the group id, the host sees invite, request and peer', async (tc) => {
    const signal = new Signal()
    const m = await member(tc, signal, async () => ({ groupId: G }))
    const j = await joiner(tc, signal)
    const result = await ask(j, m.t, 'hearth-invite:xyz', { v: 1, name: 'Ann' })
    assert.deepEqual(result, { groupId: G })
    assert.deepEqual(m.calls, [
      { invite: 'hearth-invite:xyz', request: { v: 1, name: 'Ann' }, remote: j.peerId },
    ])
  })

  test('the target may be a peer id with addresses, as found in an invite', async (tc) => {
    const signal = new Signal()
    const m = await member(tc, signal, async () => ({ groupId: G }))
    const j = await joiner(tc, signal)
    const result = await requestJoin(
      j.node,
      { peerId: m.t.peerId, addrs: [m.t.addr] },
      'inv',
      {},
      {
        signal: AbortSignal.timeout(10_000),
      },
    )
    assert.deepEqual(result, { groupId: G })
  })

  test("the host's HearthError comes back as that code and sentence", async (tc) => {
    const signal = new Signal()
    const m = await member(tc, signal, async () => {
      throw new HearthError('INVITE_EXPIRED', 'This invite has expired.')
    })
    const j = await joiner(tc, signal)
    const err = await rejectsWith(ask(j, m.t), 'INVITE_EXPIRED')
    assert.equal(err.message, 'This invite has expired.')
  })

  test('any other failure is INTERNAL and leaks no detail', async (tc) => {
    const signal = new Signal()
    const m = await member(tc, signal, async () => {
      throw new Error('group familyaaa… has members x, y, z')
    })
    const j = await joiner(tc, signal)
    const err = await rejectsWith(ask(j, m.t), 'INTERNAL')
    assert.doesNotMatch(err.message, /members|family/)
  })

  test('an oversized request is refused before it is read, and struck', async (tc) => {
    const signal = new Signal()
    const m = await member(tc, signal, async () => ({ groupId: G }))
    const j = await joiner(tc, signal)
    const stream = await j.node.dialProtocol(multiaddr(m.t.addr), JOIN_PROTOCOL, {
      signal: AbortSignal.timeout(10_000),
    })
    const claim = MAX_JOIN_REQUEST_BYTES + 1
    const prefix = new Uint8Array(varintLength(claim))
    writeVarint(claim, prefix, 0)
    const ending = closed(stream)
    stream.send(prefix)
    assert.ok(await ending, 'the member aborted the stream')
    await signal.until(() => m.strikes.length === 1, 'a strike')
    assert.equal(m.strikes[0]?.peerId, j.peerId)
    assert.deepEqual(m.calls, [])

    // Our own client refuses to send one at all.
    await rejectsWith(ask(j, m.t, 'x'.repeat(MAX_JOIN_REQUEST_BYTES)), 'TOO_LARGE')
  })

  test('a request that is not the expected JSON is struck and never reaches the host', async (tc) => {
    const signal = new Signal()
    const m = await member(tc, signal, async () => ({ groupId: G }))
    const j = await joiner(tc, signal)
    for (const body of ['not json', JSON.stringify({ invite: 1 }), JSON.stringify({ a: 1 })]) {
      const stream = await j.node.dialProtocol(multiaddr(m.t.addr), JOIN_PROTOCOL, {
        signal: AbortSignal.timeout(10_000),
      })
      const ending = closed(stream)
      stream.send(encodeFrame(new TextEncoder().encode(body)))
      assert.ok(await ending, `aborted: ${body}`)
    }
    await signal.until(() => m.strikes.length === 3, 'three strikes')
    assert.deepEqual(m.calls, [])
  })

  test('requests over the per-peer rate are refused with RATE_LIMITED', async (tc) => {
    const signal = new Signal()
    const m = await member(tc, signal, async () => ({ groupId: G }), {
      limits: { perPeer: { points: 2, durationSec: 60 }, global: { points: 100, durationSec: 60 } },
    })
    const j = await joiner(tc, signal)
    await ask(j, m.t)
    await ask(j, m.t)
    await rejectsWith(ask(j, m.t), 'RATE_LIMITED')
    assert.equal(m.calls.length, 2)

    // Another peer is not affected by the first one's limit.
    const other = await joiner(tc, signal)
    assert.deepEqual(await ask(other, m.t), { groupId: G })
  })

  test('requests over the global rate are refused even from fresh peer ids', async (tc) => {
    const signal = new Signal()
    const m = await member(tc, signal, async () => ({ groupId: G }), {
      limits: { perPeer: { points: 5, durationSec: 60 }, global: { points: 2, durationSec: 60 } },
    })
    const peers = [await joiner(tc, signal), await joiner(tc, signal), await joiner(tc, signal)]
    await ask(peers[0] as TestNode, m.t)
    await ask(peers[1] as TestNode, m.t)
    await rejectsWith(ask(peers[2] as TestNode, m.t), 'RATE_LIMITED')
    assert.equal(m.calls.length, 2)
  })

  test('an unreachable member is NO_MEMBER_REACHABLE', async (tc) => {
    const signal = new Signal()
    const m = await member(tc, signal, async () => ({ groupId: G }))
    const j = await joiner(tc, signal)
    await m.t.node.stop()
    await rejectsWith(ask(j, m.t), 'NO_MEMBER_REACHABLE')
  })
})
