// One member on two devices at once: what happens when a backup is restored while the old device
// is still running. Both hold the same key and continue the member's chain from the same entry,
// so the chain forks. Every peer must accept both branches, show both as verified, converge, and
// the member's next entry must join the branches again.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { BatchChains } from './chain.ts'
import { GroupReplica } from './replica.ts'
import type { Signer } from './signing.ts'
import { countingVerify, join, makeSigners, ManualTime, options, pull } from './testing.ts'

const [ana, bo] = (await makeSigners(2)) as [Signer, Signer]

describe('one member, two devices (a backup restored while the old device runs)', () => {
  test('both branches of the fork are accepted and verified everywhere, and the replicas converge', async () => {
    const time = new ManualTime()
    const counter = countingVerify()
    const old = GroupReplica.create('Family', options(ana, time, 'Ana'))
    time.now += 1000
    const bob = await join(old, old, bo, time)
    await pull(old, bob)
    old.sendMessage('before the backup')
    await pull(bob, old)
    // Another replica that counts the signatures it checks.
    const watcher = GroupReplica.empty(old.groupId, options(bo, time, 'Bo', counter.verify))
    await pull(watcher, bob)

    // The backup is the stored state; the restored device loads it with the same key.
    const restored = GroupReplica.load(old.groupId, [old.snapshot()], options(ana, time, 'Ana'))
    assert.notEqual(restored.doc.clientID, old.doc.clientID, 'each device writes as its own client')
    time.now += 1000
    const fromOld = old.sendMessage('from the old laptop')
    const fromRestored = restored.sendMessage('from the new laptop')
    const prevOf = (r: GroupReplica, id: string) =>
      (r.doc.getMap('msgs').get(id) as { prev: string | null }).prev
    assert.equal(
      prevOf(old, fromOld),
      prevOf(restored, fromRestored),
      'a fork: both name one entry',
    )

    // Bob hears from both devices, in either order: both branches are authentic.
    const before = counter.calls()
    await pull(watcher, restored, 'new laptop')
    await pull(watcher, old, 'old laptop')
    assert.equal(counter.calls() - before, 2, 'one signature per branch')
    await pull(bob, old, 'old laptop')
    await pull(bob, restored, 'new laptop')
    assert.deepEqual(watcher.messages(), bob.messages())
    const seen = bob.messages()
    assert.deepEqual(seen.map((m) => m.text).sort(), [
      'before the backup',
      'from the new laptop',
      'from the old laptop',
    ])
    assert.ok(seen.every((m) => m.author === ana.peerId && m.verified))

    // The two devices meet (through Bob): everyone holds the same state.
    await pull(old, bob)
    await pull(restored, bob)
    const state = (r: GroupReplica) => Buffer.from(r.stateVector()).toString('hex')
    assert.equal(state(old), state(bob))
    assert.equal(state(restored), state(bob))
    assert.deepEqual(old.messages(), bob.messages())
    assert.deepEqual(restored.messages(), bob.messages())

    // The member's next entry names one of the two heads, and a fresh replica that receives the
    // whole history in one batch (a catch-up) accepts both branches with one check per head.
    time.now += 1000
    const next = restored.sendMessage('both laptops agree now')
    const heads = [fromOld, fromRestored]
    assert.ok(heads.includes(prevOf(restored, next) as string))
    await pull(bob, restored)
    const late = GroupReplica.empty(old.groupId, options(bo, time, 'Bo', counter.verify))
    const catchUpBefore = counter.calls()
    await pull(late, bob)
    assert.equal(late.messageCount(), 4)
    assert.ok(late.messages().every((m) => m.verified))
    // Heads of the batch: Ana's newest entry and the branch it does not name.
    assert.equal(counter.calls() - catchUpBefore, 2)
  })

  test('within one batch, a fork of one author has a head per branch', () => {
    const chains = new BatchChains([
      { id: 'base', author: 'ana', prev: null },
      { id: 'old', author: 'ana', prev: 'base' },
      { id: 'new', author: 'ana', prev: 'base' },
      { id: 'joined', author: 'ana', prev: 'new' },
    ])
    assert.deepEqual(chains.heads(), [1, 3])
    chains.vouch(3)
    assert.equal(chains.isCovered(1), false, 'the other branch still needs its own check')
    chains.vouch(1)
    assert.ok([0, 1, 2, 3].every((i) => chains.isCovered(i)))
  })
})
