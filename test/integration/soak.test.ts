// Partitions, restarts and a skewed clock, round after round: once everyone is back, every
// replica holds the same messages in the same order and the same membership.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Peer } from '../../shared/peer/peer.ts'
import { PeerSet, until, type TestPeer } from '../helpers/peers.ts'
import { prng } from '../helpers/prng.ts'

const peers = new PeerSet()
after(() => peers.cleanup())

const snapshot = async (p: Peer, group: string) => ({
  messages: (await p.handlers['messages.list']({ group, limit: 100_000 })).map(
    (m) => `${m.id}|${m.text}|${m.deleted}|${m.editedAt}`,
  ),
  members: ((await p.handlers['groups.list']({}))[0]?.members ?? []).map(
    (m) => `${m.peerId}:${m.role}`,
  ),
})

describe('soak', () => {
  const seed = Number(process.env.HEARTH_SOAK_SEED ?? 20261125)
  test(`partitions, restarts and clock skew converge (seed ${seed})`, async () => {
    const random = prng(seed)
    const skewed = { now: () => Date.now() + 3 * 3600_000 } // three hours ahead
    let crew: TestPeer[] = [
      await peers.start('Ana'),
      await peers.start('Bo', skewed),
      await peers.start('Cy'),
    ]
    const [ana] = crew as [TestPeer]
    const { groupId, invite } = await ana.peer.handlers['groups.create']({ name: 'Soak' })
    for (const p of crew.slice(1)) await p.peer.handlers['groups.join']({ invite })

    let written = 0
    for (let round = 0; round < 4; round++) {
      // One peer goes away (a laptop lid closes); the others keep writing; it writes offline too.
      const away = Math.floor(random() * crew.length)
      const gone = crew[away] as TestPeer
      await gone.peer.stop()
      for (const [i, p] of crew.entries()) {
        if (i === away) continue
        for (let k = 0; k < 3; k++) {
          await p.peer.handlers['messages.send']({
            group: groupId,
            text: `r${round} ${p.name} ${k}`,
          })
          written++
        }
      }
      const back = await gone.restart()
      await back.peer.handlers['messages.send']({
        group: groupId,
        text: `r${round} ${back.name} back`,
      })
      written++
      crew = crew.map((p, i) => (i === away ? back : p))
    }

    for (const p of crew) {
      await until(
        p.peer,
        `${p.name} holds all ${written} messages`,
        async () =>
          (await p.peer.handlers['messages.list']({ group: groupId, limit: 100_000 })).length ===
          written,
      )
    }
    const views = await Promise.all(crew.map((p) => snapshot(p.peer, groupId)))
    assert.deepEqual(views[1], views[0])
    assert.deepEqual(views[2], views[0])
  })
})
