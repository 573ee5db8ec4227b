// Hostile bytes from a member: each closes that stream and costs the sender a strike, and the
// node goes on serving everyone else.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { encodeFrame } from './frames.ts'
import { MSG_UPDATE, writeSyncStep1, writeUpdatePart } from './messages.ts'
import {
  Signal,
  closed,
  connect,
  groupIdFor,
  sameContent,
  startMember,
  startRawPeer,
  syncOf,
  write,
} from './test-fixtures.ts'
import type { Member, RawPeer } from './test-fixtures.ts'
import type { Stream } from '@libp2p/interface'
import type { TestContext } from 'node:test'
import { prng } from '../../../test/helpers/prng.ts'

const G = groupIdFor('family')
const limits = { maxFrameBytes: 64 * 1024, partBytes: 16 * 1024, maxUpdateBytes: 256 * 1024 }

function validUpdate(): Uint8Array {
  const doc = new Y.Doc()
  write(doc, 'k', 'v'.repeat(100))
  return Y.encodeStateAsUpdate(doc)
}

interface Setup {
  signal: Signal
  victim: Member
  honest: Member
  attacker: RawPeer
}

async function setup(
  tc: TestContext,
  extra: Partial<typeof limits> & { stallTimeoutMs?: number } = {},
): Promise<Setup> {
  const signal = new Signal()
  const victim = await startMember(tc, signal, { ...limits, ...extra })
  const honest = await startMember(tc, signal, limits)
  const attacker = await startRawPeer(tc, signal)
  const group = [victim.t.peerId, honest.t.peerId, attacker.t.peerId]
  victim.host.addGroup(G, group)
  honest.host.addGroup(G, group)
  for (const m of [victim, honest]) m.host.relayThrough(syncOf(m.t))
  await connect(signal, honest.t, victim.t)
  await connect(signal, attacker.t, victim.t)
  await signal.until(() => honest.t.synced.length > 0, 'honest member synced')
  return { signal, victim, honest, attacker }
}

/** Sends raw bytes on a fresh stream, optionally ending it, and returns how the stream ended. */
async function sendRaw(s: Setup, bytes: Uint8Array, end: boolean): Promise<Error | undefined> {
  const stream: Stream = await s.attacker.open(s.victim.t)
  const done = closed(stream)
  stream.send(bytes)
  if (end) await stream.close()
  return done
}

const cases: { name: string; end: boolean; bytes: () => Uint8Array; reason: RegExp }[] = [
  {
    name: 'garbage bytes',
    end: true,
    bytes: () => {
      const rnd = prng(42)
      return Uint8Array.from({ length: 512 }, () => Math.floor(rnd() * 256))
    },
    reason: /./,
  },
  {
    name: 'a length prefix claiming 4 GiB',
    end: false,
    bytes: () => Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x10, 1, 2, 3]),
    reason: /length prefix|exceeds/,
  },
  {
    name: 'a truncated frame',
    end: true,
    bytes: () => encodeFrame(writeSyncStep1(G, new Uint8Array([0]))).subarray(0, 12),
    reason: /ended inside a frame/,
  },
  {
    name: 'an unknown message type',
    end: false,
    bytes: () => encodeFrame(Uint8Array.from([9, 1, 2, 3])),
    reason: /unknown message type 9/,
  },
  {
    name: 'a frame over the cap',
    end: false,
    bytes: () => {
      const body = new Uint8Array(limits.maxFrameBytes + 1)
      return encodeFrame(body)
    },
    reason: /exceeds the 65536 cap/,
  },
  {
    name: 'an update declared over the per-update cap',
    end: false,
    bytes: () =>
      encodeFrame(writeUpdatePart(MSG_UPDATE, G, limits.maxUpdateBytes + 1, new Uint8Array(8))),
    reason: /exceeds the 262144 cap/,
  },
  {
    name: 'an update the group model rejects',
    end: false,
    bytes: () => {
      const broken = validUpdate().subarray(0, 20)
      return encodeFrame(writeUpdatePart(MSG_UPDATE, G, broken.length, broken))
    },
    reason: /rejected update/,
  },
]

describe('malformed sync input', () => {
  test('each bad input aborts its stream and strikes the sender; others are still served', async (tc) => {
    const s = await setup(tc)
    for (const c of cases) {
      const before = s.victim.t.strikes.length
      const ending = await sendRaw(s, c.bytes(), c.end)
      assert.ok(ending, `${c.name}: the stream was aborted`)
      await s.signal.until(() => s.victim.t.strikes.length > before, `${c.name}: a strike`)
      const strike = s.victim.t.strikes.at(-1)
      assert.equal(strike?.peerId, s.attacker.t.peerId, c.name)
      assert.match(strike?.reason ?? '', c.reason, c.name)
    }
    assert.equal(s.victim.t.strikes.length, cases.length, 'one strike per bad input')

    // The victim still syncs with the honest member.
    write(s.honest.host.doc(G), 'after', 'the attack')
    await s.signal.until(
      () => sameContent(s.victim.host.doc(G), { after: 'the attack' }),
      'honest write arrived',
    )
    assert.ok(!s.victim.t.strikes.some((x) => x.peerId === s.honest.t.peerId))
  })

  test('data written on our send-only stream is a strike', async (tc) => {
    const s = await setup(tc)
    // Let the victim open its send stream to the attacker, then answer on it.
    syncOf(s.victim.t).openGroup(G)
    await s.signal.until(() => s.attacker.inboundStreams > 0, 'victim opened its stream')
    const before = s.victim.t.strikes.length
    const handled = s.attacker.t.node
      .getConnections()
      .flatMap((c) => c.streams)
      .find((st) => st.direction === 'inbound' && st.protocol.startsWith('/hearth/sync'))
    assert.ok(handled)
    handled.send(Uint8Array.from([1, 2, 3]))
    await s.signal.until(() => s.victim.t.strikes.length > before, 'a strike')
    assert.match(s.victim.t.strikes.at(-1)?.reason ?? '', /send-only/)
  })

  test('a frame that stops arriving halfway is closed without a strike', async (tc) => {
    const s = await setup(tc, { stallTimeoutMs: 100 })
    const ending = await sendRaw(s, Uint8Array.from([0x20, 0, 1]), false)
    assert.ok(ending, 'the stalled stream was aborted')
    assert.deepEqual(s.victim.t.strikes, [])
  })
})
