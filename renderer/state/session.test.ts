// The UI's session against real peers in this process (memory stores, TCP on loopback), over the
// same RPC layer the browser uses, through an in-memory channel.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createPeer, type Peer } from '../../shared/peer/peer.ts'
import { openSession, until } from '../../e2e/harness/in-process-session.ts'
import type { Session } from './session.ts'

describe('Session', () => {
  let alice: Peer
  let bob: Peer
  const sessions: Session[] = []
  let groupId: string

  before(async () => {
    const options = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false }
    alice = await createPeer({ ...options, name: 'Alice' })
    bob = await createPeer({ ...options, name: 'Bob' })
  })

  after(async () => {
    for (const session of sessions) {
      session.dispose()
      session.client.close()
    }
    await Promise.all([alice?.stop(), bob?.stop()])
  })

  test('opens with the identity and no groups', async () => {
    const session = await openSession(alice)
    sessions.push(session)
    const snapshot = session.getSnapshot()
    assert.equal(snapshot.identity.name, 'Alice')
    assert.equal(snapshot.identity.peerId, alice.peerId)
    assert.deepEqual(snapshot.groups, [])
    assert.equal(snapshot.connection, 'open')
  })

  test('a created group is listed, and a sent message shows in the chat and the summary', async () => {
    const session = sessions[0] as Session
    const created = await session.createGroup('Family')
    groupId = created.groupId
    assert.equal(session.getSnapshot().groups[0]?.group.name, 'Family')
    await session.openChat(groupId)
    await session.send(groupId, 'first', null)
    const snapshot = await until(session, 'the message is in the chat', (s) =>
      (s.chats.get(groupId)?.log.items ?? []).some((m) => m.text === 'first'),
    )
    const chat = snapshot.chats.get(groupId)
    assert.deepEqual(chat?.pending, [], 'nothing is left as sending')
    assert.equal(snapshot.groups[0]?.last?.text, 'first')
    assert.equal(snapshot.groups[0]?.unread, 0, 'your own messages are never unread')
  })

  test('messages from others are unread until seen while looking; the peer keeps read state', async () => {
    const aliceSession = sessions[0] as Session
    const { invite } = await alice.handlers['groups.invite']({ group: groupId })
    const bobSession = await openSession(bob)
    sessions.push(bobSession)
    await bobSession.joinGroup(invite)
    await until(bobSession, 'Bob sees the first message in the summary', (s) =>
      s.groups.some((g) => g.last?.text === 'first'),
    )
    assert.equal(bobSession.getSnapshot().groups[0]?.unread, 1)

    await aliceSession.send(groupId, 'second', null)
    await until(bobSession, 'two unread', (s) => s.groups[0]?.unread === 2)

    bobSession.view(groupId, true)
    await bobSession.openChat(groupId)
    const opened = bobSession.getSnapshot().chats.get(groupId)
    const first = opened?.log.items.find((m) => m.text === 'first')
    const second = opened?.log.items.find((m) => m.text === 'second')
    assert.ok(first && second)
    assert.equal(opened?.unreadFrom, first.id, 'the chat remembers where unread began')
    assert.equal(bobSession.getSnapshot().groups[0]?.unread, 2, 'opening a chat reads nothing')

    bobSession.seen(groupId, first)
    await until(bobSession, 'one left', (s) => s.groups[0]?.unread === 1)
    bobSession.seen(groupId, second)
    await until(bobSession, 'read', (s) => s.groups[0]?.unread === 0)
    await until(aliceSession, 'Alice sees how far Bob read', (s) =>
      (s.receipts.get(groupId) ?? []).some(
        (r) => r.peerId === bob.peerId && r.messageId === second.id,
      ),
    )

    // On screen while the window is not looked at: unread until the person looks again.
    bobSession.view(groupId, false)
    await aliceSession.send(groupId, 'third', null)
    const arrived = await until(bobSession, 'the third message arrives', (s) =>
      (s.chats.get(groupId)?.log.items ?? []).some((m) => m.text === 'third'),
    )
    const third = arrived.chats.get(groupId)?.log.items.find((m) => m.text === 'third')
    assert.ok(third)
    bobSession.seen(groupId, third)
    assert.equal(bobSession.getSnapshot().groups[0]?.unread, 1, 'not seen while away')
    bobSession.view(groupId, true)
    await until(bobSession, 'seen once back', (s) => s.groups[0]?.unread === 0)

    // Read state lives in the peer: a new session (another tab, a restarted app) has it.
    bobSession.view(null, true)
    const again = await openSession(bob)
    sessions.push(again)
    assert.equal(again.getSnapshot().groups[0]?.unread, 0)
    assert.equal(again.lastRead(groupId)?.id, third.id)
  })

  test('edits, reactions, replies and deletes arrive as changes to the same message', async () => {
    const [aliceSession, bobSession] = sessions as [Session, Session]
    const target = aliceSession
      .getSnapshot()
      .chats.get(groupId)
      ?.log.items.find((m) => m.text === 'first')
    assert.ok(target)
    await aliceSession.edit(groupId, target.id, 'first, edited')
    await bobSession.react(groupId, target.id, '👍', true)
    await bobSession.send(groupId, 'a reply', target.id)
    const seen = await until(aliceSession, 'edit, reaction and reply arrive', (s) => {
      const log = s.chats.get(groupId)?.log
      const m = log?.get(target.id)
      return (
        m?.text === 'first, edited' &&
        (m.reactions['👍'] ?? []).includes(bob.peerId) &&
        (log?.items ?? []).some((r) => r.replyTo === target.id)
      )
    })
    const log = seen.chats.get(groupId)?.log
    assert.equal(log?.items.filter((m) => m.id === target.id).length, 1, 'changed in place')
    assert.notEqual(log?.get(target.id)?.editedAt, null)

    await aliceSession.delete(groupId, target.id)
    await until(
      bobSession,
      'the delete arrives',
      (s) => s.chats.get(groupId)?.log.get(target.id)?.deleted === true,
    )
  })

  test('a failed send stays as "failed" with its reason and can be discarded', async () => {
    const session = sessions[0] as Session
    await assert.rejects(session.send(groupId, 'x'.repeat(70_000), null), { code: 'BAD_INPUT' })
    const pending = session.getSnapshot().chats.get(groupId)?.pending ?? []
    assert.equal(pending.length, 1)
    assert.equal(pending[0]?.state, 'failed')
    session.discardPending(groupId, pending[0]?.localId ?? '')
    await until(
      session,
      'the failed send is gone',
      (s) => s.chats.get(groupId)?.pending.length === 0,
    )
  })

  test('leaving removes the group and its chat', async () => {
    const session = sessions[1] as Session
    await session.leaveGroup(groupId)
    const snapshot = await until(session, 'the group is gone', (s) => s.groups.length === 0)
    assert.equal(snapshot.chats.has(groupId), false)
  })

  test('the connection closing is reported', async () => {
    const session = sessions[2] as Session
    session.client.close()
    await until(session, 'closed', (s) => s.connection === 'closed')
  })
})
