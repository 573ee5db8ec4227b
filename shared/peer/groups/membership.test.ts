import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { HearthError, type ErrorCode } from '../../api/index.ts'
import type { OpEntry } from './entries.ts'
import { groupIdFor, randomId } from './ids.ts'
import { makeJoinRequest, signInvite, type Invite } from './invites.ts'
import { GroupReplica } from './replica.ts'
import type { Signer } from './signing.ts'
import {
  deliver,
  join,
  makeSigners,
  ManualTime,
  options,
  pull,
  signOp,
  syncAll,
} from './testing.ts'

const [founder, bob, carol, dave, eve] = (await makeSigners(5)) as [
  Signer,
  Signer,
  Signer,
  Signer,
  Signer,
]

function throwsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HearthError, String(err))
    assert.equal(err.code, code, err.message)
    return true
  })
}

function members(r: GroupReplica): Record<string, string> {
  return Object.fromEntries([...r.membership().members].map(([p, m]) => [p, m.role]))
}

function genesisOf(r: GroupReplica): Extract<OpEntry, { kind: 'create' }> {
  for (const value of r.doc.getMap('ops').values()) {
    const op = value as OpEntry
    if (op.kind === 'create') return op
  }
  throw new Error('no genesis')
}

/** A group of founder + the given joiners (all plain members), every replica in sync. */
async function groupOf(time: ManualTime, ...joiners: Signer[]): Promise<GroupReplica[]> {
  const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
  const replicas = [a]
  for (const s of joiners) {
    time.now += 1000
    replicas.push(await join(a, a, s, time))
  }
  await syncAll(replicas)
  return replicas
}

describe('membership: create', () => {
  test('the founder is the first admin and the group id derives from founder and nonce', async () => {
    const time = new ManualTime()
    const r = GroupReplica.create('  Kitchen ', options(founder, time, 'Founder'))
    assert.ok(r.hasGenesis())
    assert.equal(r.name(), 'Kitchen')
    assert.equal(r.membership().founder, founder.peerId)
    assert.deepEqual(members(r), { [founder.peerId]: 'admin' })
    assert.equal(r.membership().members.get(founder.peerId)?.name, 'Founder')
    assert.equal(r.groupId, groupIdFor(founder.peerId, genesisOf(r).nonce))
    assert.deepEqual(r.group(founder.peerId), {
      groupId: r.groupId,
      name: 'Kitchen',
      role: 'admin',
      members: [{ peerId: founder.peerId, name: 'Founder', role: 'admin' }],
    })
    throwsCode(() => r.group(bob.peerId), 'NOT_A_MEMBER')
    throwsCode(() => GroupReplica.create('', options(founder, time)), 'BAD_INPUT')
  })

  test('only the founder can author a genesis for a group id', async () => {
    const time = new ManualTime()
    const real = GroupReplica.create('Kitchen', options(founder, time))
    const empty = GroupReplica.empty(real.groupId, options(bob, time))
    // Bob copies the nonce but cannot make the id derive from his own key.
    const forged = signOp(bob, real.groupId, {
      kind: 'create',
      name: 'Hijacked',
      memberName: 'Bob',
      nonce: genesisOf(real).nonce,
      ts: 1,
      parents: [],
    })
    assert.equal((await deliver(empty, 'ops', forged)).kind, 'applied')
    assert.equal(empty.hasGenesis(), false)
    assert.equal(empty.isMember(bob.peerId), false)
    await pull(empty, real)
    assert.equal(empty.name(), 'Kitchen')
    assert.deepEqual(members(empty), { [founder.peerId]: 'admin' })
  })

  test('among several valid creates the smallest id wins', async () => {
    const time = new ManualTime()
    const r = GroupReplica.create('First', options(founder, time))
    const genesis = genesisOf(r)
    const candidates = [1, 2, 3, 4].map((n) =>
      signOp(founder, r.groupId, { ...genesis, name: `Other ${n}`, ts: genesis.ts + n }),
    )
    for (const c of candidates) assert.equal((await deliver(r, 'ops', c)).kind, 'applied')
    const original = [...r.doc.getMap('ops').keys()].find(
      (k) => !candidates.some((c) => c.id === k),
    )
    const all = [
      ...candidates.map((c) => ({ id: c.id, name: c.entry.kind === 'create' ? c.entry.name : '' })),
      { id: original ?? '', name: 'First' },
    ].sort((a, b) => (a.id < b.id ? -1 : 1))
    assert.equal(r.name(), all[0]?.name)
  })
})

describe('membership: add via invite', () => {
  test('a joiner admitted by the founder becomes a member everywhere', async () => {
    const time = new ManualTime()
    const [a, b] = (await groupOf(time, bob)) as [GroupReplica, GroupReplica]
    for (const r of [a, b]) {
      assert.deepEqual(members(r), { [founder.peerId]: 'admin', [bob.peerId]: 'member' })
      assert.equal(r.membership().members.get(bob.peerId)?.name, 'p' + bob.peerId.slice(-4))
    }
    assert.ok(b.isMember(bob.peerId))
    assert.equal(b.roleOf(bob.peerId), 'member')
    assert.equal(b.group(bob.peerId).role, 'member')
  })

  test('any member can admit the holder of an admin invite (founder offline)', async () => {
    const time = new ManualTime()
    const [a, b] = (await groupOf(time, bob)) as [GroupReplica, GroupReplica]
    const invite = a.createInvite({ uses: 2, expiresAt: time.now + 60_000, members: [] })
    // Only Bob is online: he admits Carol with the founder's invite.
    const c = await join(a, b, carol, time, invite)
    assert.ok(c.isMember(carol.peerId))
    await pull(a, b)
    assert.ok(a.isMember(carol.peerId))
  })

  test('admitting twice is harmless', async () => {
    const time = new ManualTime()
    const [a] = (await groupOf(time)) as [GroupReplica]
    const invite = a.createInvite({ uses: 5, expiresAt: time.now + 60_000, members: [] })
    const request = makeJoinRequest(invite, bob, 'Bob', time.now)
    a.admit(invite, request, bob.peerId)
    const ops = a.doc.getMap('ops').size
    a.admit(invite, request, bob.peerId)
    assert.equal(a.doc.getMap('ops').size, ops)
    assert.equal(a.membership().inviteUses(invite.inviteId), 1)
  })

  test('an expired invite is refused, and a forged add with it is ignored', async () => {
    const time = new ManualTime()
    const [a, b] = (await groupOf(time, bob)) as [GroupReplica, GroupReplica]
    const invite = a.createInvite({ uses: 5, expiresAt: time.now + 60_000, members: [] })
    const request = makeJoinRequest(invite, carol, 'Carol', time.now)
    time.now += 60_000
    throwsCode(() => a.admit(invite, request, carol.peerId), 'INVITE_EXPIRED')
    const forged = signOp(bob, a.groupId, {
      kind: 'add',
      member: carol.peerId,
      memberName: 'Carol',
      invite,
      request,
      ts: invite.expiresAt,
      parents: [...b.membership().heads],
    })
    assert.equal((await deliver(a, 'ops', forged)).kind, 'applied')
    assert.equal(a.isMember(carol.peerId), false)
  })

  test('a used-up invite is refused, and a forged extra add with it is ignored', async () => {
    const time = new ManualTime()
    const [a, b] = (await groupOf(time, bob)) as [GroupReplica, GroupReplica]
    const invite = a.createInvite({ uses: 1, expiresAt: time.now + 60_000, members: [] })
    a.admit(invite, makeJoinRequest(invite, carol, 'Carol', time.now), carol.peerId)
    const daveRequest = makeJoinRequest(invite, dave, 'Dave', time.now)
    throwsCode(() => a.admit(invite, daveRequest, dave.peerId), 'INVITE_USED_UP')
    await pull(b, a)
    const forged = signOp(bob, a.groupId, {
      kind: 'add',
      member: dave.peerId,
      memberName: 'Dave',
      invite,
      request: daveRequest,
      ts: time.now + 1,
      parents: [...b.membership().heads],
    })
    assert.equal((await deliver(a, 'ops', forged)).kind, 'applied')
    assert.ok(a.isMember(carol.peerId))
    assert.equal(a.isMember(dave.peerId), false)
  })

  test('an invite signed by a non-admin admits nobody', async () => {
    const time = new ManualTime()
    const [a, b] = (await groupOf(time, bob)) as [GroupReplica, GroupReplica]
    const invite: Invite = signInvite(bob, {
      v: 1,
      group: a.groupId,
      groupName: 'Kitchen',
      author: bob.peerId,
      inviteId: randomId(),
      createdAt: time.now,
      expiresAt: time.now + 60_000,
      uses: 5,
      members: [],
    })
    const request = makeJoinRequest(invite, carol, 'Carol', time.now)
    throwsCode(() => b.admit(invite, request, carol.peerId), 'INVITE_INVALID')
    throwsCode(
      () => b.createInvite({ uses: 1, expiresAt: time.now + 1000, members: [] }),
      'NOT_AN_ADMIN',
    )
    const forged = signOp(bob, a.groupId, {
      kind: 'add',
      member: carol.peerId,
      memberName: 'Carol',
      invite,
      request,
      ts: time.now + 1,
      parents: [...b.membership().heads],
    })
    assert.equal((await deliver(a, 'ops', forged)).kind, 'applied')
    assert.equal(a.isMember(carol.peerId), false)
  })

  test('an add written by a non-member is ignored, even with a valid invite', async () => {
    const time = new ManualTime()
    const [a] = (await groupOf(time)) as [GroupReplica]
    const invite = a.createInvite({ uses: 5, expiresAt: time.now + 60_000, members: [] })
    const request = makeJoinRequest(invite, eve, 'Eve', time.now)
    const forged = signOp(eve, a.groupId, {
      kind: 'add',
      member: eve.peerId,
      memberName: 'Eve',
      invite,
      request,
      ts: time.now + 1,
      parents: [...a.membership().heads],
    })
    assert.equal((await deliver(a, 'ops', forged)).kind, 'applied')
    assert.equal(a.isMember(eve.peerId), false)
    const outsider = GroupReplica.empty(a.groupId, options(eve, time))
    await pull(outsider, a)
    throwsCode(() => outsider.admit(invite, request, eve.peerId), 'NOT_A_MEMBER')
  })

  test('a join request must come from the peer being admitted and match the invite', async () => {
    const time = new ManualTime()
    const [a] = (await groupOf(time)) as [GroupReplica]
    const invite = a.createInvite({ uses: 5, expiresAt: time.now + 60_000, members: [] })
    const request = makeJoinRequest(invite, carol, 'Carol', time.now)
    throwsCode(() => a.admit(invite, request, dave.peerId), 'BAD_INPUT')
    throwsCode(
      () => a.admit(invite, { ...request, name: 'Not Carol' }, carol.peerId),
      'INVITE_INVALID',
    )
    const other = a.createInvite({ uses: 5, expiresAt: time.now + 60_000, members: [] })
    throwsCode(() => a.admit(other, request, carol.peerId), 'BAD_INPUT')
    throwsCode(() => a.admit({ ...invite, uses: 999 }, request, carol.peerId), 'INVITE_INVALID')
    assert.equal(a.isMember(carol.peerId), false)
  })
})

describe('membership: remove, promote, leave, rename', () => {
  test('an admin removes a member, who can then no longer write', async () => {
    const time = new ManualTime()
    const [a, b] = (await groupOf(time, bob)) as [GroupReplica, GroupReplica]
    time.now += 1000
    a.removeMember(bob.peerId)
    await pull(b, a)
    for (const r of [a, b]) {
      assert.deepEqual(members(r), { [founder.peerId]: 'admin' })
      assert.equal(r.membership().removed.get(bob.peerId), time.now)
    }
    throwsCode(() => b.sendMessage('still here?'), 'NOT_A_MEMBER')
    throwsCode(() => a.removeMember(bob.peerId), 'MEMBER_NOT_FOUND')
    throwsCode(() => a.removeMember(founder.peerId), 'BAD_INPUT')
  })

  test('only admins remove, promote and rename; the founder cannot be removed by others', async () => {
    const time = new ManualTime()
    const [a, b, c] = (await groupOf(time, bob, carol)) as [
      GroupReplica,
      GroupReplica,
      GroupReplica,
    ]
    throwsCode(() => b.removeMember(carol.peerId), 'NOT_AN_ADMIN')
    throwsCode(() => b.promote(carol.peerId), 'NOT_AN_ADMIN')
    throwsCode(() => b.rename('Mine'), 'NOT_AN_ADMIN')
    a.promote(bob.peerId)
    await syncAll([a, b, c])
    assert.equal(c.roleOf(bob.peerId), 'admin')
    throwsCode(() => b.removeMember(founder.peerId), 'NOT_AN_ADMIN')
    const forged = signOp(bob, a.groupId, {
      kind: 'remove',
      member: founder.peerId,
      ts: time.now + 1,
      parents: [...c.membership().heads],
    })
    assert.equal((await deliver(c, 'ops', forged)).kind, 'applied')
    assert.ok(c.isMember(founder.peerId), 'an admin cannot remove the founder')
    b.rename('Bob’s kitchen')
    b.removeMember(carol.peerId)
    await syncAll([a, b, c])
    for (const r of [a, b, c]) {
      assert.equal(r.name(), 'Bob’s kitchen')
      assert.deepEqual(members(r), { [founder.peerId]: 'admin', [bob.peerId]: 'admin' })
    }
  })

  test('forged admin ops by a member are ignored on every replica', async () => {
    const time = new ManualTime()
    const [a, b, c] = (await groupOf(time, bob, carol)) as [
      GroupReplica,
      GroupReplica,
      GroupReplica,
    ]
    const heads = [...a.membership().heads]
    const forgeries = [
      signOp(bob, a.groupId, {
        kind: 'remove',
        member: carol.peerId,
        ts: time.now + 1,
        parents: heads,
      }),
      signOp(bob, a.groupId, {
        kind: 'remove',
        member: founder.peerId,
        ts: time.now + 2,
        parents: heads,
      }),
      signOp(bob, a.groupId, {
        kind: 'promote',
        member: bob.peerId,
        ts: time.now + 3,
        parents: heads,
      }),
      signOp(bob, a.groupId, { kind: 'rename', name: 'Pwned', ts: time.now + 4, parents: heads }),
    ]
    const before = a.membership().digest
    for (const f of forgeries)
      for (const r of [a, c]) assert.equal((await deliver(r, 'ops', f)).kind, 'applied')
    for (const r of [a, c]) {
      assert.equal(r.membership().digest, before)
      assert.equal(r.name(), 'Kitchen')
      assert.equal(r.roleOf(bob.peerId), 'member')
    }
    void b
  })

  test('an admin op signed by the wrong key is rejected outright', async () => {
    const time = new ManualTime()
    const [a] = (await groupOf(time, bob)) as [GroupReplica]
    // Bob signs an op that claims the founder as its author.
    const signed = signOp(bob, a.groupId, {
      kind: 'remove',
      member: bob.peerId,
      ts: time.now + 1,
      parents: [...a.membership().heads],
    })
    const claimed = { ...signed.entry, author: founder.peerId }
    const result = await deliver(a, 'ops', { id: signed.id, entry: claimed })
    assert.equal(result.kind, 'rejected')
    assert.ok(a.isMember(bob.peerId))
    assert.equal(a.doc.getMap('ops').has(signed.id), false)
  })

  test('a member leaves; when the last admin leaves the longest-standing member takes over', async () => {
    const time = new ManualTime()
    const [a, b, c] = (await groupOf(time, bob, carol)) as [
      GroupReplica,
      GroupReplica,
      GroupReplica,
    ]
    time.now += 1000
    c.leave()
    await syncAll([a, b, c])
    assert.equal(a.isMember(carol.peerId), false)
    assert.equal(a.membership().removed.has(carol.peerId), false, 'leaving is not a removal')
    throwsCode(() => c.leave(), 'NOT_A_MEMBER')
    time.now += 1000
    a.leave()
    await syncAll([a, b, c])
    for (const r of [a, b, c]) {
      assert.deepEqual(members(r), { [bob.peerId]: 'admin' })
      assert.equal(r.membership().founder, founder.peerId)
    }
    b.rename('Bob runs it now')
    assert.equal(b.name(), 'Bob runs it now')
  })

  test('a removed member is re-admitted only by an invite made after the removal', async () => {
    const time = new ManualTime()
    const [a, b] = (await groupOf(time, bob)) as [GroupReplica, GroupReplica]
    const oldInvite = a.createInvite({ uses: 10, expiresAt: time.now + 3600_000, members: [] })
    time.now += 1000
    a.removeMember(bob.peerId)
    await pull(b, a)
    time.now += 1000
    const oldRequest = makeJoinRequest(oldInvite, bob, 'Bob', time.now)
    throwsCode(() => a.admit(oldInvite, oldRequest, bob.peerId), 'INVITE_INVALID')
    // Nor can a lagging member's replica sneak it in: the op is ignored everywhere.
    const forged = signOp(founder, a.groupId, {
      kind: 'add',
      member: bob.peerId,
      memberName: 'Bob',
      invite: oldInvite,
      request: oldRequest,
      ts: time.now,
      parents: [...a.membership().heads],
    })
    assert.equal((await deliver(a, 'ops', forged)).kind, 'applied')
    assert.equal(a.isMember(bob.peerId), false)
    const newInvite = a.createInvite({ uses: 1, expiresAt: time.now + 3600_000, members: [] })
    a.admit(newInvite, makeJoinRequest(newInvite, bob, 'Bob', time.now), bob.peerId)
    await pull(b, a)
    assert.ok(a.isMember(bob.peerId))
    assert.ok(b.isMember(bob.peerId))
    assert.equal(a.membership().removed.has(bob.peerId), false)
  })
})

describe('membership: concurrency', () => {
  for (const gap of [0, 5]) {
    test(`two admins removing each other concurrently converge (ts apart: ${gap})`, async () => {
      const time = new ManualTime()
      const [a, b, c, d] = (await groupOf(time, bob, carol, dave)) as [
        GroupReplica,
        GroupReplica,
        GroupReplica,
        GroupReplica,
      ]
      a.promote(bob.peerId)
      a.promote(carol.peerId)
      await syncAll([a, b, c, d])
      // A partition: Bob and Carol each remove the other without seeing the other's op.
      time.now += 1000
      b.removeMember(carol.peerId)
      time.now += gap
      c.removeMember(bob.peerId)
      const opOf = (r: GroupReplica) =>
        [...r.doc.getMap('ops').entries()].find(
          ([id, v]) => (v as OpEntry).kind === 'remove' && !a.doc.getMap('ops').has(id),
        ) as [string, OpEntry]
      const [bId, bOp] = opOf(b)
      const [cId, cOp] = opOf(c)
      assert.equal(bOp.parents.includes(cId), false)
      assert.equal(cOp.parents.includes(bId), false)
      assert.equal(cOp.ts - bOp.ts, gap)
      // Heal in opposite orders on two replicas.
      await pull(a, b)
      await pull(a, c)
      await pull(d, c)
      await pull(d, b)
      await syncAll([a, b, c, d])
      // The documented rule: the op that sorts first by (ts, id) applies; the other is ignored.
      const bobFirst = gap > 0 || bId < cId
      const survivor = bobFirst ? bob.peerId : carol.peerId
      const expected = { [founder.peerId]: 'admin', [dave.peerId]: 'member', [survivor]: 'admin' }
      for (const r of [a, b, c, d]) {
        assert.deepEqual(members(r), expected)
        assert.equal(r.membership().digest, a.membership().digest)
      }
    })
  }

  test('ops whose parents are missing wait until the parents arrive', async () => {
    const time = new ManualTime()
    const [a, b] = (await groupOf(time, bob)) as [GroupReplica, GroupReplica]
    const heads = [...a.membership().heads]
    const promote = signOp(founder, a.groupId, {
      kind: 'promote',
      member: bob.peerId,
      ts: time.now + 1,
      parents: heads,
    })
    const rename = signOp(founder, a.groupId, {
      kind: 'rename',
      name: 'Later',
      ts: time.now + 2,
      parents: [promote.id],
    })
    assert.equal((await deliver(b, 'ops', rename)).kind, 'applied')
    assert.equal(b.name(), 'Kitchen')
    assert.equal((await deliver(b, 'ops', promote)).kind, 'applied')
    assert.equal(b.name(), 'Later')
    assert.equal(b.roleOf(bob.peerId), 'admin')
  })
})
