// The cases from the threat model that need whole peers: strangers, forged and spent invites,
// removed members and garbage on the wire. Model-level forgeries are tested in shared/peer/groups.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2p, Stream } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode } from '../../shared/peer/node.ts'
import { SYNC_PROTOCOL, writeSyncStep1, MSG_SYNC_STEP1 } from '../../shared/peer/sync/messages.ts'
import { encodeFrame } from '../../shared/peer/sync/frames.ts'
import { JOIN_PROTOCOL } from '../../shared/peer/sync/join.ts'
import { decodeInvite, encodeInvite } from '../../shared/peer/groups/index.ts'
import type { Peer } from '../../shared/peer/peer.ts'
import { PeerSet, until } from '../helpers/peers.ts'

const peers = new PeerSet()
const strangers: Libp2p[] = []
after(async () => {
  await Promise.allSettled(strangers.map((s) => s.stop()))
  await peers.cleanup()
})

/** A plain libp2p node that speaks our protocols by hand and records every byte sent to it. */
async function stranger() {
  const node = await createNode({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
  })
  strangers.push(node)
  const received: Uint8Array[] = []
  await node.handle(SYNC_PROTOCOL, (stream: Stream) => {
    stream.addEventListener('message', (event) => received.push(event.data.subarray()))
  })
  return { node, received }
}

async function openSync(from: Libp2p, to: Peer): Promise<Stream> {
  return from.dialProtocol(multiaddr(to.addrs()[0] as string), SYNC_PROTOCOL, {
    signal: AbortSignal.timeout(5000),
  })
}

/** The peer may abort a stream the moment it sees something wrong; that is the point. */
function sendIfOpen(stream: Stream, bytes: Uint8Array) {
  if (stream.status === 'open') stream.send(bytes)
}

function contains(haystack: Uint8Array[], needle: string): boolean {
  const text = Buffer.concat(haystack).toString('latin1')
  return text.includes(Buffer.from(needle, 'utf8').toString('latin1'))
}

async function stillServes(peer: Peer, group: string) {
  const before = (await peer.handlers['messages.list']({ group })).length
  await peer.handlers['messages.send']({ group, text: 'still here' })
  assert.equal((await peer.handlers['messages.list']({ group })).length, before + 1)
}

async function family() {
  const a = await peers.start('Ana')
  const b = await peers.start('Bo')
  const { groupId, invite } = await a.peer.handlers['groups.create']({ name: 'Family' })
  await b.peer.handlers['groups.join']({ invite })
  await a.peer.handlers['messages.send']({ group: groupId, text: 'secret family plans' })
  await until(
    b.peer,
    'Bo has the message',
    async () => (await b.peer.handlers['messages.list']({ group: groupId })).length === 1,
  )
  return { a, b, groupId, invite }
}

describe('adversarial cases against real peers', () => {
  test('a stranger who knows the group id opens sync and gets zero bytes of the group', async () => {
    const { a, groupId } = await family()
    const s = await stranger()
    const stream = await openSync(s.node, a.peer)
    // Ask for everything (empty state vector), then push a bogus update for the group.
    sendIfOpen(stream, encodeFrame(writeSyncStep1(groupId, new Uint8Array([0]))))
    sendIfOpen(
      stream,
      encodeFrame(Uint8Array.from([2, 26, ...Buffer.from(groupId), 5, 1, 2, 3, 4, 5])),
    )
    // A round trip on the same connection proves Ana has processed what came before it.
    await s.node.services.ping.ping(a.peer.libp2p.peerId)
    await s.node.services.ping.ping(a.peer.libp2p.peerId)
    assert.equal(contains(s.received, groupId), false, 'no frame names the group')
    assert.equal(contains(s.received, 'secret family plans'), false, 'no message text leaks')
    const firstTypes = s.received.map((chunk) => chunk[1])
    assert.ok(!firstTypes.includes(MSG_SYNC_STEP1 + 1), 'no step 2 was sent')
    await stillServes(a.peer, groupId)
  })

  test('a stranger presenting a forged invite learns nothing and is not admitted', async () => {
    const { a, groupId, invite } = await family()
    const decoded = decodeInvite(invite)
    const forged = encodeInvite({ ...decoded, uses: 1_000_000 }) // signature no longer matches
    const c = await peers.start('Mallory')
    await assert.rejects(c.peer.handlers['groups.join']({ invite: forged }), {
      code: 'INVITE_INVALID',
    })
    assert.deepEqual(await c.peer.handlers['groups.list']({}), [])
    const members = (await a.peer.handlers['groups.list']({}))[0]?.members.map((m) => m.name)
    assert.deepEqual(members?.sort(), ['Ana', 'Bo'])
    // Garbage on the join protocol: the stream is refused and Ana keeps working.
    const s = await stranger()
    const stream = await s.node.dialProtocol(
      multiaddr(a.peer.addrs()[0] as string),
      JOIN_PROTOCOL,
      {
        signal: AbortSignal.timeout(5000),
      },
    )
    sendIfOpen(stream, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3]))
    await s.node.services.ping.ping(a.peer.libp2p.peerId)
    await stillServes(a.peer, groupId)
  })

  test('an expired invite and a used-up invite are refused', async () => {
    const { a, groupId } = await family()
    const { invite: once } = await a.peer.handlers['groups.invite']({ group: groupId, uses: 1 })
    const c = await peers.start('Cy')
    await c.peer.handlers['groups.join']({ invite: once })
    const d = await peers.start('Di')
    await assert.rejects(d.peer.handlers['groups.join']({ invite: once }), {
      code: 'INVITE_USED_UP',
    })
    // An invite made by a peer whose clock says two hours ago, valid for one minute.
    const past = await peers.start('Past', { now: () => Date.now() - 2 * 3600_000 })
    const { groupId: old } = await past.peer.handlers['groups.create']({ name: 'Old' })
    const { invite: stale } = await past.peer.handlers['groups.invite']({
      group: old,
      expiresInMs: 60_000,
    })
    await assert.rejects(d.peer.handlers['groups.join']({ invite: stale }), {
      code: 'INVITE_EXPIRED',
    })
    assert.equal((await d.peer.handlers['groups.list']({})).length, 0)
    assert.ok(old)
  })

  test('a removed member is refused: it gets nothing written after the removal', async () => {
    const { a, b, groupId } = await family()
    const { invite } = await a.peer.handlers['groups.invite']({ group: groupId })
    const c = await peers.start('Cy')
    await c.peer.handlers['groups.join']({ invite })
    await a.peer.handlers['groups.remove']({ group: groupId, peerId: c.peer.peerId })
    for (const p of [a.peer, b.peer]) {
      await until(
        p,
        'the removal is known',
        async () =>
          (await p.handlers['groups.list']({}))[0]?.members.every((m) => m.name !== 'Cy') ?? false,
      )
    }
    await until(
      c.peer,
      'Cy learns it was removed',
      async () => (await c.peer.handlers['groups.list']({})).length === 0,
    )
    await assert.rejects(c.peer.handlers['messages.send']({ group: groupId, text: 'let me in' }), {
      code: 'NOT_A_MEMBER',
    })
    await b.peer.handlers['messages.send']({ group: groupId, text: 'after the removal' })
    await until(a.peer, 'Ana has the new message', async () =>
      (await a.peer.handlers['messages.list']({ group: groupId })).some(
        (m) => m.text === 'after the removal',
      ),
    )
    const seen = await c.peer.handlers['messages.list']({ group: groupId })
    assert.equal(
      seen.some((m) => m.text === 'after the removal'),
      false,
    )
  })

  test('garbage, truncated and 4 GiB-claiming frames on sync leave the peer running', async () => {
    const { a, b, groupId } = await family()
    const s = await stranger()
    const inputs = [
      Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f]), // a length prefix claiming 4 GiB
      Uint8Array.from([0x05, 1, 2]), // truncated
      Uint8Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff), // random-looking
      new Uint8Array(0),
    ]
    for (const bytes of inputs) {
      const stream = await openSync(s.node, a.peer)
      sendIfOpen(stream, bytes)
      stream.abort(new Error('the stranger is done'))
      await s.node.services.ping.ping(a.peer.libp2p.peerId)
    }
    await stillServes(a.peer, groupId)
    await until(b.peer, 'Bo still syncs with Ana', async () =>
      (await b.peer.handlers['messages.list']({ group: groupId })).some(
        (m) => m.text === 'still here',
      ),
    )
  })
})
