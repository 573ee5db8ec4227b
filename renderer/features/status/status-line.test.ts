import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Group, PeerInfo, Status } from '../../../shared/api/index.ts'
import { hostOf, statusLine } from './status-line.ts'

const me = '12D3KooWLbhKjW1JfrTaK8BAzoiUU3rEQLgKa8Y4UGztpsPAGDiN'
const bob = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
const carol = '12D3KooWJWoaqZhDaoEFshF7Rh1bpY9ohihFhzcW6d69Lr2NASuq'
const lan: Status = {
  peerId: me,
  name: 'Me',
  addrs: ['/ip4/127.0.0.1/tcp/1', '/ip4/192.168.1.2/tcp/1'],
  connectedPeers: 1,
  groups: 1,
  nearbyPeers: 0,
  catchingUp: [],
  dataDir: '/home/me/.config/Hearth',
  version: '0.1.0',
  portable: false,
  storage: { writable: true, problem: null, message: null, since: null },
  encrypted: false,
}
const group: Group = {
  groupId: 'a'.repeat(26),
  name: 'G',
  role: 'admin',
  members: [
    { peerId: me, name: 'Me', role: 'admin' },
    { peerId: bob, name: 'Bob', role: 'member' },
    { peerId: carol, name: 'Carol', role: 'member' },
  ],
}
const peer = (peerId: string, connected: boolean): [string, PeerInfo] => [
  peerId,
  { peerId, name: '', connected, addrs: [], groups: [], lastSeen: null },
]

test('counts the other members that are reachable', () => {
  const peers = new Map([peer(bob, true), peer(carol, false)])
  assert.deepEqual(statusLine(lan, group, peers), { kind: 'reachable', reachable: 1, total: 2 })
})

test('loopback addresses only and no connection means no network', () => {
  const offline = { ...lan, addrs: ['/ip4/127.0.0.1/tcp/1', '/ip6/::1/tcp/1'], connectedPeers: 0 }
  assert.deepEqual(statusLine(offline, group, new Map()), { kind: 'no-network' })
})

test('a group of one, and no group open', () => {
  const alone = { ...group, members: group.members.slice(0, 1) }
  assert.deepEqual(statusLine(lan, alone, new Map()), { kind: 'alone' })
  assert.deepEqual(statusLine(lan, undefined, new Map()), { kind: 'peers', count: 1 })
  assert.deepEqual(statusLine(null, group, new Map()), { kind: 'unknown' })
})

test('hostOf shows the address a person recognises', () => {
  assert.equal(hostOf('/ip4/192.168.1.20/tcp/4001/p2p/x'), '192.168.1.20')
  assert.equal(hostOf('/ip6/fe80::1/tcp/1'), 'fe80::1')
  assert.equal(hostOf('/memory/x'), '/memory/x')
})
