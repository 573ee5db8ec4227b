import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import * as Y from 'yjs'
import { HearthError } from '../../api/index.ts'
import { decodeInvite, encodeInvite, GroupReplica, makeJoinRequest } from './replica.ts'
import type { Signer } from './signing.ts'
import {
  deliver,
  join,
  makeSigners,
  ManualTime,
  options,
  pull,
  signMsg,
  signOp,
  syncAll,
} from './testing.ts'
import { prng } from '../../../test/helpers/prng.ts'

const [founder, bob, carol] = (await makeSigners(3)) as [Signer, Signer, Signer]

function state(r: GroupReplica): string {
  return JSON.stringify([
    r.messages(100_000),
    r.membership().digest,
    r.name(),
    [...r.membership().members].sort(),
  ])
}

describe('replica: convergence', () => {
  test('three replicas doing random work with partial syncs converge to identical views', async () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const rand = prng(seed)
      const time = new ManualTime()
      const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
      time.now += 10
      const b = await join(a, a, bob, time)
      time.now += 10
      const c = await join(a, a, carol, time)
      a.promote(bob.peerId)
      await syncAll([a, b, c])
      const replicas = [a, b, c]
      for (let step = 0; step < 150; step++) {
        // Clocks differ per device and sometimes collide: exercise the (ts, id) tie-break.
        if (rand() < 0.7) time.now += Math.floor(rand() * 3)
        const r = replicas[Math.floor(rand() * 3)] as GroupReplica
        const self = [founder, bob, carol][replicas.indexOf(r)] as Signer
        const pick = rand()
        const existing = r.messages(50)
        const target = existing[Math.floor(rand() * existing.length)]
        try {
          if (pick < 0.45)
            r.sendMessage(`s${seed}-${step}`, rand() < 0.2 ? (target?.id ?? null) : null)
          else if (pick < 0.6 && target)
            r.react(target.id, rand() < 0.5 ? '👍' : '🎉', rand() < 0.7)
          else if (pick < 0.7 && target?.author === self.peerId)
            r.editMessage(target.id, `e${step}`)
          else if (pick < 0.75 && target) r.deleteMessage(target.id)
          else if (pick < 0.8) r.rename(`Kitchen ${step}`)
          else {
            const other = replicas[Math.floor(rand() * 3)] as GroupReplica
            if (other !== r) await pull(r, other)
          }
        } catch (err) {
          // Refusals by the rules (e.g. a non-admin renaming) are expected; anything else is not.
          if (!(err instanceof HearthError)) throw err
        }
      }
      await syncAll(replicas)
      await syncAll(replicas)
      assert.equal(state(b), state(a), `seed ${seed}: b differs`)
      assert.equal(state(c), state(a), `seed ${seed}: c differs`)
      assert.ok(a.messageCount() > 20)
      for (const r of replicas) r.destroy()
    }
  })

  test('a replica rebuilt from its stored updates shows exactly the same thing', async () => {
    const time = new ManualTime()
    const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
    const stored: Uint8Array[] = [a.snapshot()]
    a.on('update', (u) => stored.push(u))
    const b = await join(a, a, bob, time)
    time.now += 5
    const m = a.sendMessage('hello')
    b.sendMessage('hi')
    await pull(a, b)
    a.react(m, '👍', true)
    a.editMessage(m, 'hello!')
    const loaded = GroupReplica.load(
      a.groupId,
      stored,
      options(founder, new ManualTime(time.now - 10_000)),
    )
    assert.equal(state(loaded), state(a))
    const fromSnapshot = GroupReplica.load(a.groupId, [a.snapshot()], options(founder, time))
    assert.equal(state(fromSnapshot), state(a))
    // Its clock was raised past everything it holds, so new messages sort last.
    const id = loaded.sendMessage('after restart')
    assert.equal(loaded.messages(1)[0]?.id, id)
  })

  test('loading trusts stored state: signatures are not checked again', async () => {
    const time = new ManualTime()
    const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
    const m = signMsg(founder, a.groupId, { ts: time.now + 1, text: 'stored' })
    // Stored bytes with a signature that would never pass the network check.
    const doc = new Y.Doc()
    Y.applyUpdate(doc, a.snapshot())
    doc.getMap('msgs').set(m.id, { ...m.entry, sig: 'A'.repeat(86) })
    const loaded = GroupReplica.load(
      a.groupId,
      [Y.encodeStateAsUpdate(doc)],
      options(founder, time),
    )
    assert.equal(loaded.message(m.id)?.text, 'stored')
    assert.equal(
      (await a.applyRemote(Y.encodeStateAsUpdate(doc, a.stateVector()), 'x')).kind,
      'rejected',
    )
  })

  test('stored updates with a hole fail fast with STORAGE_FAILED', async () => {
    const time = new ManualTime()
    const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
    const stored: Uint8Array[] = []
    a.on('update', (u) => stored.push(u))
    for (let i = 0; i < 200; i++) a.sendMessage(`m${i}`)
    // The genesis update is missing: Yjs would keep everything pending.
    assert.throws(
      () => GroupReplica.load(a.groupId, stored, options(founder, time)),
      (err: unknown) => err instanceof HearthError && err.code === 'STORAGE_FAILED',
    )
  })

  test('unreadable stored state fails with STORAGE_FAILED', async () => {
    const time = new ManualTime()
    assert.throws(
      () =>
        GroupReplica.load(
          'aaaaaaaaaaaaaaaaaaaaaaaaaa',
          [new Uint8Array([1, 2, 3])],
          options(founder, time),
        ),
      (err: unknown) => err instanceof HearthError && err.code === 'STORAGE_FAILED',
    )
  })
})

describe('replica: surface', () => {
  test('a joiner starts from an empty replica and becomes a member on sync', async () => {
    const time = new ManualTime()
    const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
    const invite = decodeInvite(
      encodeInvite(
        a.createInvite({
          uses: 1,
          expiresAt: time.now + 60_000,
          members: [{ peerId: founder.peerId, addrs: ['/ip4/127.0.0.1/tcp/1'] }],
        }),
      ),
    )
    assert.equal(invite.groupName, 'Kitchen')
    const joining = GroupReplica.empty(invite.group, options(bob, time))
    assert.equal(joining.hasGenesis(), false)
    assert.equal(joining.name(), '')
    assert.equal(joining.isMember(bob.peerId), false)
    let changes = 0
    joining.on('membershipChanged', () => changes++)
    a.admit(invite, makeJoinRequest(invite, bob, 'Bob', time.now), bob.peerId)
    await pull(joining, a)
    assert.ok(joining.hasGenesis())
    assert.ok(joining.isMember(bob.peerId))
    assert.equal(changes, 1)
    assert.deepEqual(
      joining.group(bob.peerId).members.map((m) => [m.name, m.role]),
      [
        ['Founder', 'admin'],
        ['Bob', 'member'],
      ],
    )
  })

  test('a member who changes its display name is shown by it everywhere, its messages too', async () => {
    // Settings → Display name used to change only what this device would sign in future
    // groups: the family kept seeing the name the first run had prefilled from the OS user.
    const time = new ManualTime()
    const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
    time.now += 10
    const b = await join(a, a, bob, time)
    b.sendMessage('hello', null)
    await pull(a, b)
    time.now += 10
    assert.equal(b.setMemberName('Grandma Bo'), true)
    assert.equal(b.setMemberName('Grandma Bo'), false, 'nothing written when nothing changed')
    let changes = 0
    a.on('membershipChanged', () => changes++)
    await pull(a, b)
    assert.equal(changes, 1)
    for (const r of [a, b]) {
      const names = r.group(founder.peerId).members.map((m) => m.name)
      assert.deepEqual(names, ['Founder', 'Grandma Bo'])
      assert.equal(r.messages(10)[0]?.authorName, 'Grandma Bo')
    }
    // A name belongs to its author: a removed member's later name op changes nothing.
    a.removeMember(bob.peerId)
    await pull(b, a)
    const late = signOp(bob, a.groupId, {
      kind: 'name',
      memberName: 'Mallory',
      ts: time.now + 50,
      parents: [...a.membership().heads],
    })
    await deliver(a, 'ops', late)
    assert.equal(a.membership().nameOf(bob.peerId), 'Grandma Bo')
  })

  test('invites keep what fits and refuse bad parameters', async () => {
    const time = new ManualTime()
    const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
    const addrs = Array.from(
      { length: 40 },
      (_, i) => `/ip4/10.0.0.${i}/tcp/4001/p2p/${founder.peerId}`,
    )
    const many = Array.from({ length: 40 }, () => ({ peerId: founder.peerId, addrs }))
    const invite = a.createInvite({ uses: 3, expiresAt: time.now + 1000, members: many })
    assert.ok(encodeInvite(invite).length <= 16 * 1024)
    assert.ok(invite.members.length >= 1)
    assert.deepEqual(decodeInvite(encodeInvite(invite)), invite)
    for (const bad of [
      { uses: 0, expiresAt: time.now + 1000, members: [] },
      { uses: 1001, expiresAt: time.now + 1000, members: [] },
      { uses: 1, expiresAt: time.now, members: [] },
      { uses: 1, expiresAt: time.now + 1000, members: [{ peerId: 'nobody', addrs: [] }] },
    ]) {
      assert.throws(
        () => a.createInvite(bad),
        (err: unknown) => err instanceof HearthError && err.code === 'BAD_INPUT',
      )
    }
  })

  test('a malformed state vector is a BAD_INPUT, not a crash', async () => {
    const time = new ManualTime()
    const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
    assert.throws(
      () => a.diff(new Uint8Array([0xff, 0xff, 0xff])),
      (err: unknown) => err instanceof HearthError && err.code === 'BAD_INPUT',
    )
    assert.ok(a.diff(new Uint8Array([0])).length > 0)
  })

  test('a throwing listener does not stop the others or the write', async () => {
    const time = new ManualTime()
    const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
    const seen: string[] = []
    const originalError = console.error
    const logged: unknown[] = []
    console.error = (...args: unknown[]) => logged.push(args)
    try {
      a.on('messageAdded', () => {
        throw new Error('listener bug')
      })
      a.on('messageAdded', (m) => seen.push(m.text))
      const off = a.on('messageAdded', (m) => seen.push('removed ' + m.text))
      off()
      a.sendMessage('still sent')
    } finally {
      console.error = originalError
    }
    assert.deepEqual(seen, ['still sent'])
    assert.equal(logged.length, 1)
    assert.equal(a.messageCount(), 1)
  })

  test('listeners may write from inside an event', async () => {
    const time = new ManualTime()
    const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
    const b = await join(a, a, bob, time)
    b.on('messageAdded', (m) => {
      if (m.author !== bob.peerId) b.react(m.id, '👀', true)
    })
    a.sendMessage('anyone?')
    await pull(b, a)
    await pull(a, b)
    assert.deepEqual(a.messages()[0]?.reactions, { '👀': [bob.peerId] })
  })
})

describe('replica: relaying', () => {
  test('whom an author sent an update to comes back for relaying only from that author', async () => {
    const time = new ManualTime()
    const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
    const b = await join(a, a, bob, time)
    const c = await join(a, a, carol, time)
    await syncAll([a, b, c])
    const sentTo = new Set(['0123456789abcdef'])
    const seen: (ReadonlySet<string> | undefined)[] = []
    c.on('update', (_update, _from, hint) => seen.push(hint))

    b.sendMessage('straight from Bob')
    assert.equal((await c.applyRemote(b.diff(c.stateVector()), bob.peerId, sentTo)).kind, 'applied')
    b.sendMessage('Bob again, handed on by the founder')
    const relayed = b.diff(c.stateVector())
    assert.equal((await c.applyRemote(relayed, founder.peerId, sentTo)).kind, 'applied')
    assert.deepEqual(seen, [sentTo, undefined])
    for (const r of [a, b, c]) r.destroy()
  })
})
