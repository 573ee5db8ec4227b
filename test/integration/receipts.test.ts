// Read receipts between real peers: Ana reaches Cy only through Bo (Ana speaks the in-memory
// transport, Cy only TCP, Bo both), so every marker between them is relayed. A stranger who
// connects gets no marker and cannot plant one; a removed member's markers stop counting; and the
// markers a peer holds are still there after a restart.
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { after, describe, test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { memory } from '@libp2p/memory'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { makeSigner } from '../../shared/peer/groups/signing.ts'
import { createNode } from '../../shared/peer/node.ts'
import type { Peer } from '../../shared/peer/peer.ts'
import { encodeFrame } from '../../shared/peer/sync/frames.ts'
import { RECEIPTS_PROTOCOL, signMarker } from '../../shared/peer/receipts/index.ts'
import { PeerSet, until, type TestPeer } from '../helpers/peers.ts'

const peers = new PeerSet()
after(() => peers.cleanup())

const receipts = (p: Peer, group: string) => p.handlers['receipts.list']({ group })
const readUpTo = async (p: Peer, group: string, reader: string) =>
  (await receipts(p, group)).find((r) => r.peerId === reader)?.messageId

describe('read receipts between real peers', () => {
  let ana: TestPeer
  let bo: TestPeer
  let cy: TestPeer
  let groupId: string
  let hello: string

  test('markers reach a member through another, and each side sees who read what', async () => {
    const anaAddr = `/memory/hearth-receipts-${randomUUID()}`
    ana = await peers.start('Ana', { listen: [anaAddr], node: { transports: [memory()] } })
    bo = await peers.start('Bo', {
      listen: ['/ip4/127.0.0.1/tcp/0', `/memory/hearth-receipts-${randomUUID()}`],
      node: { transports: [tcp(), memory()] },
    })
    cy = await peers.start('Cy')
    const created = await ana.peer.handlers['groups.create']({ name: 'Family' })
    groupId = created.groupId
    await bo.peer.handlers['groups.join']({ invite: created.invite })
    await ana.peer.handlers['groups.promote']({ group: groupId, peerId: bo.peer.peerId })
    await until(
      bo.peer,
      'Bo is an admin',
      async () => (await bo.peer.handlers['groups.list']({}))[0]?.role === 'admin',
    )
    // Bo's invite names Bo first; Cy cannot dial Ana's in-memory address at all.
    const { invite } = await bo.peer.handlers['groups.invite']({ group: groupId })
    await cy.peer.handlers['groups.join']({ invite })
    await until(
      ana.peer,
      'Ana knows all three members',
      async () => (await ana.peer.handlers['groups.list']({}))[0]?.members.length === 3,
    )
    ;({ messageId: hello } = await ana.peer.handlers['messages.send']({
      group: groupId,
      text: 'hello both',
    }))
    await until(cy.peer, 'Cy has the message', async () =>
      (await cy.peer.handlers['messages.list']({ group: groupId })).some((m) => m.id === hello),
    )

    await cy.peer.handlers['receipts.markRead']({ group: groupId, messageId: hello })
    await until(
      ana.peer,
      'Ana sees that Cy read it, through Bo',
      async () => (await readUpTo(ana.peer, groupId, cy.peer.peerId)) === hello,
    )
    assert.equal(
      ana.peer.libp2p.getConnections().some((c) => c.remotePeer.toString() === cy.peer.peerId),
      false,
      'Ana and Cy never had a connection',
    )
    await ana.peer.handlers['receipts.markRead']({ group: groupId, messageId: hello })
    await until(
      cy.peer,
      'Cy sees that Ana read it too',
      async () => (await readUpTo(cy.peer, groupId, ana.peer.peerId)) === hello,
    )
    // Moving back is not possible, and an unknown message is a clear error.
    await assert.rejects(
      ana.peer.handlers['receipts.markRead']({ group: groupId, messageId: 'a'.repeat(26) }),
      (err: Error & { code?: string }) => err.code === 'MESSAGE_NOT_FOUND',
    )
  })

  test('a stranger gets no marker and cannot plant one', async () => {
    const key = await generateKeyPair('Ed25519')
    const stranger = await createNode({
      privateKey: key,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
    })
    try {
      let pushed = 0
      await stranger.handle(RECEIPTS_PROTOCOL, (stream) => {
        pushed++
        stream.abort(new Error('counted'))
      })
      const boAddr = bo.peer.addrs().find((a) => a.includes('/tcp/'))
      assert.ok(boAddr)
      await stranger.dial(multiaddr(boAddr))
      // A well-formed frame with a marker the stranger really signed, for the group it is not in.
      const marker = signMarker(makeSigner(key), groupId, { ts: Date.now(), id: hello })
      const frame = encodeFrame(
        new TextEncoder().encode(JSON.stringify({ v: 1, markers: [marker] })),
      )
      const refused = await stranger
        .dialProtocol(multiaddr(boAddr), RECEIPTS_PROTOCOL)
        .then(async (stream) => {
          // Bo aborts the stream unread, perhaps before the frame is even written.
          if (stream.status === 'open') stream.send(frame)
          if (stream.status === 'open') {
            await new Promise((resolve) =>
              stream.addEventListener('close', resolve, { once: true }),
            )
          }
          return stream.status !== 'open'
        })
        .catch(() => true)
      assert.equal(refused, true, 'the stream was refused')

      // While the stranger is connected, Bo reads: Ana and Cy hear of it, the stranger does not.
      const { messageId: second } = await ana.peer.handlers['messages.send']({
        group: groupId,
        text: 'second',
      })
      await until(bo.peer, 'Bo has the second message', async () =>
        (await bo.peer.handlers['messages.list']({ group: groupId })).some((m) => m.id === second),
      )
      await bo.peer.handlers['receipts.markRead']({ group: groupId, messageId: second })
      for (const p of [ana, cy]) {
        await until(
          p.peer,
          `${p.name} sees Bo's marker`,
          async () => (await readUpTo(p.peer, groupId, bo.peer.peerId)) === second,
        )
      }
      assert.equal(pushed, 0, 'no receipts stream was ever opened to the stranger')
      const readers = (await receipts(bo.peer, groupId)).map((r) => r.peerId)
      assert.ok(!readers.includes(stranger.peerId.toString()), 'the planted marker is not there')
    } finally {
      await stranger.stop()
    }
  })

  test('a removed member’s markers stop counting everywhere', async () => {
    await ana.peer.handlers['groups.remove']({ group: groupId, peerId: cy.peer.peerId })
    for (const p of [ana, bo]) {
      await until(p.peer, `${p.name} no longer counts Cy`, async () =>
        (await receipts(p.peer, groupId)).every((r) => r.peerId !== cy.peer.peerId),
      )
    }
  })

  test('markers are kept across a restart', async () => {
    const before = await receipts(bo.peer, groupId)
    assert.deepEqual(before.map((r) => r.peerId).sort(), [ana.peer.peerId, bo.peer.peerId].sort())
    // Nobody else is running, so whatever Bo shows after the restart came from its own disk.
    await Promise.all([ana.peer.stop(), cy.peer.stop()])
    bo = await bo.restart()
    assert.deepEqual(await receipts(bo.peer, groupId), before)
  })
})
