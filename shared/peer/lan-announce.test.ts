import assert from 'node:assert/strict'
import { test } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { announcement } from './lan-announce.ts'

const TAG = '_hearth._udp.local'
const ID = '12D3KooWSgmAn2PVW2wrWEJQmqKB3yeFH1tMtEqGWhEcDLnCSXnw'

test('an announcement carries @libp2p/mdns records for our LAN addresses, and nothing else', () => {
  const answers = announcement(TAG, 'a1b2c3', [
    multiaddr(`/ip4/192.168.1.20/tcp/4001/p2p/${ID}`),
    multiaddr(`/ip4/10.0.0.7/tcp/4001/p2p/${ID}`),
    // Not on the LAN, or not naming us: never announced.
    multiaddr(`/ip4/8.8.8.8/tcp/4001/p2p/${ID}`),
    multiaddr('/ip4/192.168.1.21/tcp/4001'),
  ])
  assert.deepEqual(answers, [
    { name: TAG, type: 'PTR', class: 'IN', ttl: 120, data: `a1b2c3.${TAG}` },
    {
      name: `a1b2c3.${TAG}`,
      type: 'TXT',
      class: 'IN',
      ttl: 120,
      data: `dnsaddr=/ip4/192.168.1.20/tcp/4001/p2p/${ID}`,
    },
    {
      name: `a1b2c3.${TAG}`,
      type: 'TXT',
      class: 'IN',
      ttl: 120,
      data: `dnsaddr=/ip4/10.0.0.7/tcp/4001/p2p/${ID}`,
    },
  ])
})

test('with no LAN address there is nothing to announce', () => {
  assert.deepEqual(announcement(TAG, 'a1b2c3', [multiaddr(`/ip4/8.8.8.8/tcp/1/p2p/${ID}`)]), [])
  assert.deepEqual(announcement(TAG, 'a1b2c3', []), [])
})
