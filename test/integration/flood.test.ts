// Floods: strangers with fresh peer ids opening connections and streams, and a member writing
// as fast as it can. Limits hold, the peer keeps answering, and other members still get through.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2p } from '@libp2p/interface'
import { multiaddr } from '@multiformats/multiaddr'
import { createNode } from '../../shared/peer/node.ts'
import { SYNC_PROTOCOL } from '../../shared/peer/sync/messages.ts'
import { JOIN_PROTOCOL } from '../../shared/peer/sync/join.ts'
import { PeerSet, until } from '../helpers/peers.ts'

const peers = new PeerSet()
const strangers: Libp2p[] = []
after(async () => {
  await Promise.allSettled(strangers.map((s) => s.stop()))
  await peers.cleanup()
})

describe('floods', () => {
  test('40 strangers with fresh ids open connections and streams; members carry on', async () => {
    const a = await peers.start('Ana')
    const b = await peers.start('Bo')
    const { groupId, invite } = await a.peer.handlers['groups.create']({ name: 'Flooded' })
    await b.peer.handlers['groups.join']({ invite })
    const target = multiaddr(a.peer.addrs()[0] as string)

    const attempts = await Promise.allSettled(
      Array.from({ length: 40 }, async () => {
        const node = await createNode({
          privateKey: await generateKeyPair('Ed25519'),
          listen: [],
          mdns: false,
        })
        strangers.push(node)
        const opened = await Promise.allSettled(
          [SYNC_PROTOCOL, JOIN_PROTOCOL, SYNC_PROTOCOL, JOIN_PROTOCOL].map((p) =>
            node.dialProtocol(target, p, { signal: AbortSignal.timeout(10_000) }),
          ),
        )
        for (const o of opened)
          if (o.status === 'fulfilled') o.value.send(new Uint8Array(64).fill(0xff))
      }),
    )
    // Some strangers get in (and are refused at the protocol), some are turned away at the door:
    // either way none of them is a member and Ana still works for her members.
    assert.equal(attempts.length, 40)
    const { messageId } = await a.peer.handlers['messages.send']({
      group: groupId,
      text: 'still here',
    })
    await until(b.peer, 'Bo gets Ana’s message during the flood', async () =>
      (await b.peer.handlers['messages.list']({ group: groupId })).some((m) => m.id === messageId),
    )
    const members = (await a.peer.handlers['groups.list']({}))[0]?.members ?? []
    assert.deepEqual(members.map((m) => m.name).sort(), ['Ana', 'Bo'])
    assert.ok(a.peer.libp2p.getConnections().length <= 64, 'the connection limit holds')
  })

  test('a member writing thousands of messages does not drown another member', async () => {
    const a = await peers.start('Ana')
    const b = await peers.start('Bo')
    const c = await peers.start('Cy')
    const { groupId, invite } = await a.peer.handlers['groups.create']({ name: 'Busy' })
    await b.peer.handlers['groups.join']({ invite })
    await c.peer.handlers['groups.join']({ invite })

    let flooding = true
    const flood = (async () => {
      let sent = 0
      while (flooding && sent < 3000) {
        await b.peer.handlers['messages.send']({ group: groupId, text: `spam ${sent++}` })
      }
      return sent
    })()
    const { messageId } = await c.peer.handlers['messages.send']({ group: groupId, text: 'hello' })
    await until(a.peer, 'Cy’s message reaches Ana while Bo floods', async () =>
      (await a.peer.handlers['messages.list']({ group: groupId, limit: 100_000 })).some(
        (m) => m.id === messageId,
      ),
    )
    flooding = false
    const sent = await flood
    await until(
      a.peer,
      'Ana holds every one of Bo’s messages',
      async () =>
        (await a.peer.handlers['messages.list']({ group: groupId, limit: 100_000 })).length ===
        sent + 1,
    )
    await until(
      c.peer,
      'Cy holds every one of Bo’s messages',
      async () =>
        (await c.peer.handlers['messages.list']({ group: groupId, limit: 100_000 })).length ===
        sent + 1,
    )
  })
})
