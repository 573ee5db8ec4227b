// Peers that cannot reach each other directly, and groups split in two: relaying through a member,
// two admins removing each other, and concurrent shelf edits made while partitioned, converge once
// the network heals.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { Peer } from '../../shared/peer/peer.ts'
import { PeerSet, until, type TestPeer } from '../helpers/peers.ts'

const peers = new PeerSet()
after(() => peers.cleanup())

/** A switchable firewall: peers on the other side are refused both ways while it is up. */
class Firewall {
  private readonly blocked = new Set<string>()
  readonly isBlocked = (peerId: string) => this.blocked.has(peerId)
  async cut(self: Peer, others: Peer[]) {
    for (const o of others) {
      this.blocked.add(o.peerId)
      await self.libp2p.hangUp(o.libp2p.peerId)
    }
  }
  heal() {
    this.blocked.clear()
  }
}

async function start(name: string, firewall: Firewall): Promise<TestPeer> {
  return peers.start(name, { node: { isBlocked: firewall.isBlocked } })
}

const members = async (p: Peer) =>
  ((await p.handlers['groups.list']({}))[0]?.members ?? []).map((m) => `${m.name}:${m.role}`).sort()

describe('relays and partitions', () => {
  test('A and C never connect, yet converge through B', async () => {
    const fa = new Firewall()
    const fc = new Firewall()
    const a = await start('Ana', fa)
    const b = await peers.start('Bo')
    const c = await start('Cy', fc)
    await fa.cut(a.peer, [c.peer])
    await fc.cut(c.peer, [a.peer])

    const { groupId, invite } = await a.peer.handlers['groups.create']({ name: 'Relay' })
    await b.peer.handlers['groups.join']({ invite })
    // Only admins sign invites; Ana's new one names Bo too, and Cy can reach only Bo.
    await until(a.peer, 'Ana knows Bo’s address', async () =>
      (await a.peer.handlers['peers.list']({})).some((p) => p.connected),
    )
    const { invite: naming } = await a.peer.handlers['groups.invite']({ group: groupId })
    await c.peer.handlers['groups.join']({ invite: naming })

    await a.peer.handlers['messages.send']({ group: groupId, text: 'from Ana' })
    await c.peer.handlers['messages.send']({ group: groupId, text: 'from Cy' })
    for (const p of [a.peer, c.peer]) {
      await until(p, 'both messages arrived through Bo', async () => {
        const texts = (await p.handlers['messages.list']({ group: groupId })).map((m) => m.text)
        return texts.includes('from Ana') && texts.includes('from Cy')
      })
    }
    assert.equal(a.peer.libp2p.getConnections(c.peer.libp2p.peerId).length, 0)
    assert.deepEqual(await members(a.peer), await members(c.peer))
  })

  test('two admins remove each other while partitioned; after healing every peer agrees', async () => {
    const fw = new Map<string, Firewall>()
    const make = async (name: string) => {
      const f = new Firewall()
      const p = await start(name, f)
      fw.set(p.peer.peerId, f)
      return p
    }
    const a = await make('Ana')
    const b = await make('Bo')
    const c = await make('Cy')
    const d = await make('Di')
    const { groupId, invite } = await a.peer.handlers['groups.create']({ name: 'Office' })
    for (const p of [b, c, d]) await p.peer.handlers['groups.join']({ invite })
    for (const p of [b, c]) {
      await a.peer.handlers['groups.promote']({ group: groupId, peerId: p.peer.peerId })
    }
    const all = [a.peer, b.peer, c.peer, d.peer]
    for (const p of all) {
      await until(
        p,
        'everyone sees Bo and Cy as admins',
        async () => (await members(p)).join() === 'Ana:admin,Bo:admin,Cy:admin,Di:member',
      )
    }

    // {Ana, Bo} | {Cy, Di}
    const left = [a.peer, b.peer]
    const right = [c.peer, d.peer]
    for (const p of left) await fw.get(p.peerId)?.cut(p, right)
    for (const p of right) await fw.get(p.peerId)?.cut(p, left)

    await b.peer.handlers['groups.remove']({ group: groupId, peerId: c.peer.peerId })
    await c.peer.handlers['groups.remove']({ group: groupId, peerId: b.peer.peerId })
    await b.peer.handlers['messages.send']({ group: groupId, text: 'left side' })
    await d.peer.handlers['messages.send']({ group: groupId, text: 'right side' })
    await until(
      a.peer,
      'Ana sees Cy removed',
      async () => !(await members(a.peer)).includes('Cy:admin'),
    )
    await until(
      d.peer,
      'Di sees Bo removed',
      async () => !(await members(d.peer)).includes('Bo:admin'),
    )

    for (const f of fw.values()) f.heal()
    await a.peer.libp2p.dial(multiaddr(d.peer.addrs()[0] as string))

    // Exactly one of the two removals stands, the same one everywhere.
    const survivors = [a.peer, b.peer, c.peer, d.peer]
    const expected = async () => members(a.peer)
    await until(a.peer, 'the two sides merged', async () => {
      const texts = (await a.peer.handlers['messages.list']({ group: groupId })).map((m) => m.text)
      return texts.includes('right side')
    })
    const final = await expected()
    assert.equal(final.filter((m) => m === 'Bo:admin' || m === 'Cy:admin').length, 1, final.join())
    for (const p of survivors.filter((p) =>
      final.some((m) => m.startsWith(`${nameOf(p, all)}:`)),
    )) {
      await until(
        p,
        'this peer reaches the same membership',
        async () => (await members(p)).join() === final.join(),
      )
    }
  })

  test('concurrent shelf add, rename and remove on two partitioned peers converge after healing', async () => {
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-shelf-partition-'))
    after(() => fs.rmSync(work, { recursive: true, force: true }))
    const file = (name: string) => {
      const at = path.join(work, name)
      fs.writeFileSync(at, `${name}\n`)
      return at
    }
    const fa = new Firewall()
    const fb = new Firewall()
    const a = await start('Ana', fa)
    const b = await start('Bo', fb)
    const { groupId, invite } = await a.peer.handlers['groups.create']({ name: 'Shelf' })
    await b.peer.handlers['groups.join']({ invite })
    const shared = await b.peer.handlers['shelf.add']({ group: groupId, path: file('draft.txt') })
    const shelf = async (p: Peer) =>
      (await p.handlers['shelf.list']({ group: groupId })).map(
        ({ local: _local, ...entry }) => entry,
      )
    await until(a.peer, 'Ana sees the draft', async () => (await shelf(a.peer)).length === 1)

    await fa.cut(a.peer, [b.peer])
    await fb.cut(b.peer, [a.peer])
    // Ana (admin) and Bo (the author) both rename the same file; Bo also removes it; each adds one.
    await a.peer.handlers['shelf.move']({ group: groupId, fileId: shared.fileId, name: 'ana.txt' })
    const fromAna = await a.peer.handlers['shelf.add']({ group: groupId, path: file('a.txt') })
    await b.peer.handlers['shelf.move']({
      group: groupId,
      fileId: shared.fileId,
      name: 'bo.txt',
      folder: 'mine',
    })
    await b.peer.handlers['shelf.remove']({ group: groupId, fileId: shared.fileId })
    const fromBo = await b.peer.handlers['shelf.add']({ group: groupId, path: file('b.txt') })
    assert.notDeepEqual(await shelf(a.peer), await shelf(b.peer))

    fa.heal()
    fb.heal()
    await a.peer.libp2p.dial(multiaddr(b.peer.addrs()[0] as string))
    for (const p of [a.peer, b.peer]) {
      await until(p, 'both shelves hold three files', async () => (await shelf(p)).length === 3)
    }
    await until(
      a.peer,
      'both shelves are identical',
      async () => JSON.stringify(await shelf(a.peer)) === JSON.stringify(await shelf(b.peer)),
    )
    const merged = await shelf(a.peer)
    const draft = merged.find((f) => f.fileId === shared.fileId)
    assert.equal(draft?.removed, true, 'the remove made while partitioned stands')
    assert.ok(draft?.name === 'ana.txt' || draft?.name === 'bo.txt', draft?.name)
    assert.equal(
      draft?.folder,
      draft?.name === 'bo.txt' ? 'mine' : '',
      'name and folder move together',
    )
    assert.deepEqual(
      merged
        .filter((f) => !f.removed)
        .map((f) => f.fileId)
        .sort(),
      [fromAna.fileId, fromBo.fileId].sort(),
    )
  })

  test('a step 1 refused for want of a membership op is made good once the op arrives, on the same connection', async () => {
    const fa = new Firewall()
    const fb = new Firewall()
    const fc = new Firewall()
    const a = await start('Ana', fa)
    const b = await start('Bo', fb)
    const c = await start('Cy', fc)
    // Bo and Cy share another group, so Cy reads Bo's sync stream and weighs each step 1 on its own.
    const other = await c.peer.handlers['groups.create']({ name: 'Other' })
    await b.peer.handlers['groups.join']({ invite: other.invite })
    const { groupId, invite } = await a.peer.handlers['groups.create']({ name: 'Late' })
    await c.peer.handlers['groups.join']({ invite })

    // Cy is cut off from Ana before Ana adds Bo, so Cy does not know Bo is a member.
    await fa.cut(a.peer, [c.peer])
    await fc.cut(c.peer, [a.peer])
    const { invite: forBo } = await a.peer.handlers['groups.invite']({ group: groupId })
    await b.peer.handlers['groups.join']({ invite: forBo })
    await fb.cut(b.peer, [a.peer])
    await fa.cut(a.peer, [b.peer])

    // Bo's step 1 for the group (sent when Bo became a member) and Bo's live update reach Cy on
    // this connection, and Cy drops them: Bo is no member in Cy's view. Cy says nothing back.
    await b.peer.libp2p.dial(multiaddr(c.peer.addrs()[0] as string))
    const [link] = b.peer.libp2p.getConnections(c.peer.libp2p.peerId)
    assert.ok(link !== undefined)
    await b.peer.handlers['messages.send']({ group: groupId, text: 'from Bo' })
    await c.peer.handlers['messages.send']({ group: groupId, text: 'from Cy' })

    // Cy learns of Bo's add op from Ana, who never saw either message; Bo stays cut off from Ana.
    fa.heal()
    fc.heal()
    await c.peer.libp2p.dial(multiaddr(a.peer.addrs()[0] as string))
    const texts = async (p: Peer) =>
      (await p.handlers['messages.list']({ group: groupId })).map((m) => m.text)
    for (const p of [b.peer, c.peer]) {
      await until(p, 'Bo and Cy hold each other’s message', async () => {
        const held = await texts(p)
        return held.includes('from Bo') && held.includes('from Cy')
      })
    }
    assert.equal(link.status, 'open', 'Bo and Cy converged on the connection they had')
    assert.equal(b.peer.libp2p.getConnections(a.peer.libp2p.peerId).length, 0)
  })
})

function nameOf(p: Peer, all: Peer[]): string {
  return ['Ana', 'Bo', 'Cy', 'Di'][all.indexOf(p)] as string
}
