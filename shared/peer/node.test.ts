// The libp2p node: real TCP + TLS/Noise + yamux on loopback, the blocklist gate, and discovery that
// never turns into a dial on its own.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { noise } from '@chainsafe/libp2p-noise'
import { tls } from '@libp2p/tls'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { createNode } from './node.ts'
import type { NodeOptions } from './node.ts'
import type { TestContext } from 'node:test'

async function tcpNode(tc: TestContext, opts: Partial<NodeOptions> = {}) {
  const node = await createNode({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    ...opts,
  })
  tc.after(() => node.stop())
  return node
}

describe('createNode', () => {
  test('two nodes connect over TCP with TLS (preferred) and yamux, and ping', async (tc) => {
    const a = await tcpNode(tc)
    const b = await tcpNode(tc)
    const addr = b.getMultiaddrs()[0] ?? assert.fail('no listen address')
    assert.match(addr.toString(), /^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\//)
    const conn = await a.dial(addr, { signal: AbortSignal.timeout(10_000) })
    assert.equal(conn.remotePeer.toString(), b.peerId.toString())
    assert.equal(conn.encryption, '/tls/1.0.0')
    assert.equal(conn.multiplexer, '/yamux/1.0.0')
    const rtt = await a.services.ping.ping(b.peerId, { signal: AbortSignal.timeout(10_000) })
    assert.ok(rtt >= 0)
  })

  for (const [name, only, protocol] of [
    ['Noise', noise, '/noise'],
    ['TLS', tls, '/tls/1.0.0'],
  ] as const) {
    test(`a peer that offers only ${name} still connects, dialing or dialed`, async (tc) => {
      const a = await tcpNode(tc)
      const b = await tcpNode(tc, { encrypters: [only()] })
      const c = await tcpNode(tc, { encrypters: [only()] })
      const addrOf = (n: typeof a) => n.getMultiaddrs()[0] ?? assert.fail('no listen address')
      const dialed = await a.dial(addrOf(b), { signal: AbortSignal.timeout(10_000) })
      assert.equal(dialed.encryption, protocol)
      const dialing = await c.dial(addrOf(a), { signal: AbortSignal.timeout(10_000) })
      assert.equal(dialing.encryption, protocol)
      await a.services.ping.ping(b.peerId, { signal: AbortSignal.timeout(10_000) })
      await c.services.ping.ping(a.peerId, { signal: AbortSignal.timeout(10_000) })
    })
  }

  test('listens on every IPv4 interface by default', async (tc) => {
    const node = await tcpNode(tc, { listen: undefined })
    assert.ok(node.getMultiaddrs().length > 0)
    assert.ok(node.getMultiaddrs().every((a) => a.toString().startsWith('/ip4/')))
  })

  test('blocked peers are neither dialed nor let in', async (tc) => {
    const blocked = new Set<string>()
    const a = await tcpNode(tc, { isBlocked: (p) => blocked.has(p) })
    const b = await tcpNode(tc)
    const c = await tcpNode(tc)
    blocked.add(b.peerId.toString())
    blocked.add(c.peerId.toString())
    const addrOf = (n: typeof a) => n.getMultiaddrs()[0] ?? assert.fail('no address')

    await assert.rejects(a.dial(addrOf(b), { signal: AbortSignal.timeout(10_000) }))
    await assert.rejects(
      c.dial(addrOf(a), { signal: AbortSignal.timeout(10_000) }).then(async (conn) => {
        // Refused after the handshake: the connection never becomes usable.
        await c.services.ping.ping(conn.remotePeer, { signal: AbortSignal.timeout(10_000) })
      }),
    )
    assert.equal(a.getConnections().length, 0)

    blocked.delete(b.peerId.toString())
    await a.dial(addrOf(b), { signal: AbortSignal.timeout(10_000) })
    assert.equal(a.getConnections(b.peerId).length, 1)
  })
})
