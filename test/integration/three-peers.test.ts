// Three real peers over TCP on loopback: the everyday life of a family group.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import type { Message } from '../../shared/api/domain.ts'
import type { Peer } from '../../shared/peer/peer.ts'
import { PeerSet, until } from '../helpers/peers.ts'

const peers = new PeerSet()
after(() => peers.cleanup())

const texts = (messages: Message[]) => messages.map((m) => m.text)
const list = (peer: Peer, group: string) => peer.handlers['messages.list']({ group, limit: 1000 })

async function hasMessage(peer: Peer, group: string, text: string) {
  return (await list(peer, group)).some((m) => m.text === text)
}

describe('three peers on loopback', () => {
  test('create, invite, join while the inviter is offline, chat, catch up, edit/delete/react', async () => {
    let a = await peers.start('Ana')
    const b = await peers.start('Bo')
    const c = await peers.start('Cy')

    const { groupId, invite } = await a.peer.handlers['groups.create']({ name: 'Family' })
    assert.deepEqual(await b.peer.handlers['groups.join']({ invite }), { groupId })

    // A second invite names both members, so it still works once Ana is gone.
    await until(a.peer, 'Ana sees Bo connected', async () =>
      (await a.peer.handlers['peers.list']({})).some((p) => p.name === 'Bo' && p.connected),
    )
    const { invite: invite2 } = await a.peer.handlers['groups.invite']({ group: 'Family' })
    await a.peer.stop()

    assert.deepEqual(await c.peer.handlers['groups.join']({ invite: invite2 }), { groupId })
    const members = (await c.peer.handlers['groups.list']({}))[0]?.members.map((m) => m.name).sort()
    assert.deepEqual(members, ['Ana', 'Bo', 'Cy'])

    // Chat both ways while Ana is offline.
    const { messageId: m1 } = await b.peer.handlers['messages.send']({
      group: groupId,
      text: 'hi from Bo',
    })
    await until(c.peer, 'Cy has Bo’s message', () => hasMessage(c.peer, groupId, 'hi from Bo'))
    await c.peer.handlers['messages.send']({ group: 'family', text: 'hi from Cy', replyTo: m1 })
    await until(b.peer, 'Bo has Cy’s reply', () => hasMessage(b.peer, groupId, 'hi from Cy'))
    const reply = (await list(b.peer, groupId)).find((m) => m.text === 'hi from Cy')
    assert.equal(reply?.replyTo, m1)
    assert.equal(reply?.verified, true)

    // Ana comes back and catches up on what she missed.
    a = await a.restart()
    await until(
      a.peer,
      'Ana caught up',
      async () =>
        (await hasMessage(a.peer, groupId, 'hi from Bo')) &&
        hasMessage(a.peer, groupId, 'hi from Cy'),
    )

    // Edit, delete and react reach everyone.
    await b.peer.handlers['messages.edit']({ group: groupId, messageId: m1, text: 'hello from Bo' })
    await c.peer.handlers['messages.react']({ group: groupId, messageId: m1, emoji: '👍' })
    const { messageId: m3 } = await a.peer.handlers['messages.send']({
      group: groupId,
      text: 'oops',
    })
    await a.peer.handlers['messages.delete']({ group: groupId, messageId: m3 })

    for (const p of [a.peer, b.peer, c.peer]) {
      await until(p, 'edit, reaction and delete arrived', async () => {
        const msgs = await list(p, groupId)
        const first = msgs.find((m) => m.id === m1)
        const gone = msgs.find((m) => m.id === m3)
        return (
          first?.text === 'hello from Bo' &&
          first.reactions['👍']?.length === 1 &&
          gone?.deleted === true
        )
      })
    }
    const views = await Promise.all([a.peer, b.peer, c.peer].map((p) => list(p, groupId)))
    assert.deepEqual(views[1], views[0], 'Bo and Ana hold the same messages in the same order')
    assert.deepEqual(views[2], views[0], 'Cy and Ana hold the same messages in the same order')
    assert.deepEqual(texts(views[0] ?? []), ['hello from Bo', 'hi from Cy', ''])

    // Only the author may edit; anyone else gets NOT_THE_AUTHOR.
    await assert.rejects(
      c.peer.handlers['messages.edit']({ group: groupId, messageId: m1, text: 'forged' }),
      { code: 'NOT_THE_AUTHOR' },
    )

    // A new display name (Settings) reaches the others: on the member list and on old messages.
    await b.peer.handlers['identity.setName']({ name: 'Grandpa Bo' })
    for (const p of [a.peer, c.peer]) {
      await until(p, 'Bo’s new name arrived', async () => {
        const members = (await p.handlers['groups.list']({}))[0]?.members ?? []
        const first = (await list(p, groupId)).find((m) => m.id === m1)
        return members.some((m) => m.name === 'Grandpa Bo') && first?.authorName === 'Grandpa Bo'
      })
    }
  })
})
