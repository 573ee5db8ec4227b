import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import type { Libp2p } from '@libp2p/interface'
import { createNode } from '../node.ts'
import { encodeFrame } from './frames.ts'
import { ADDRS_PROTOCOL, handleAddrsProtocol, pushAddrs, type AddrsHost } from './member-addrs.ts'

const nodes: Libp2p[] = []
after(() => Promise.all(nodes.map((n) => n.stop())))

async function node() {
  const n = await createNode({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
  })
  nodes.push(n)
  return n
}

async function someId(): Promise<string> {
  return peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
}

describe('/hearth/addrs/1.0.0', () => {
  test('only addresses of members the sender vouches for are kept; garbage is a strike', async () => {
    const sender = await node()
    const receiver = await node()
    const member = await someId()
    const outsider = await someId()
    const strikes: string[] = []
    let stored!: () => void
    const done = new Promise<void>((resolve) => (stored = resolve))
    const receiverHost: AddrsHost = {
      addrsFor: () => [],
      vouches: (_from, subject) => subject === member,
      onStrike: (_peer, reason) => {
        strikes.push(reason)
        stored()
      },
    }
    await handleAddrsProtocol(receiver, receiverHost)
    receiver.addEventListener('peer:update', (e) => {
      if (e.detail.peer.id.toString() === member) stored()
    })
    const addr = receiver.getMultiaddrs()[0]
    assert.ok(addr)
    await sender.dial(addr)
    await pushAddrs(sender, receiver.peerId, {
      addrsFor: () => [
        { peerId: member, addrs: ['/ip4/10.231.9.9/tcp/4001'] },
        { peerId: outsider, addrs: ['/ip4/10.231.9.8/tcp/4001'] },
      ],
      vouches: () => false,
      onStrike: () => undefined,
    })
    await done
    const got = await receiver.peerStore.get(peerIdFromString(member))
    assert.deepEqual(
      got.addresses.map((a) => a.multiaddr.toString()),
      ['/ip4/10.231.9.9/tcp/4001'],
    )
    assert.equal(await receiver.peerStore.has(peerIdFromString(outsider)), false)

    const garbage = new Promise<void>((resolve) => (stored = resolve))
    const stream = await sender.dialProtocol(receiver.peerId, ADDRS_PROTOCOL)
    stream.send(encodeFrame(new TextEncoder().encode('{"not":"a list"}')))
    await garbage
    assert.equal(strikes.length, 1)

    // A varint length prefix that never ends is misbehaviour too, not a dropped connection.
    const endless = new Promise<void>((resolve) => (stored = resolve))
    const prefix = await sender.dialProtocol(receiver.peerId, ADDRS_PROTOCOL)
    prefix.send(new Uint8Array(16).fill(0xff))
    await endless
    assert.equal(strikes.length, 2)
    assert.match(strikes[1] ?? '', /length prefix/)
  })
})
