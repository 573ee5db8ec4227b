import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { HearthError, type ErrorCode, type Message } from '../../api/index.ts'
import { GroupReplica } from './replica.ts'
import type { Signer } from './signing.ts'
import {
  deliver,
  entriesUpdate,
  join,
  makeSigners,
  ManualTime,
  options,
  pull,
  signAct,
  signMsg,
  syncAll,
} from './testing.ts'

const [founder, bob, carol, eve] = (await makeSigners(4)) as [Signer, Signer, Signer, Signer]

function throwsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof HearthError, String(err))
    assert.equal(err.code, code, err.message)
    return true
  })
}

async function trio(time: ManualTime): Promise<[GroupReplica, GroupReplica, GroupReplica]> {
  const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
  time.now += 1000
  const b = await join(a, a, bob, time)
  time.now += 1000
  const c = await join(a, a, carol, time)
  await syncAll([a, b, c])
  time.now += 1000
  return [a, b, c]
}

/** A deterministic shuffle, so the test is reproducible. */
function shuffled<T>(items: T[], seed: number): T[] {
  const out = items.slice()
  let s = seed
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31
    const j = s % (i + 1)
    ;[out[i], out[j]] = [out[j] as T, out[i] as T]
  }
  return out
}

describe('messages: order', () => {
  test('every replica shows the same order, whatever order the messages arrived in', async () => {
    const time = new ManualTime()
    const [a] = await trio(time)
    const base = time.now
    // Ties on ts are common (same millisecond on different devices): id breaks them.
    const signed = [founder, bob, carol].flatMap((s, k) =>
      [0, 1, 2, 3, 4, 5].map((i) =>
        signMsg(s, a.groupId, { ts: base + (i % 3), text: `m${k}-${i}` }),
      ),
    )
    const replicas: GroupReplica[] = []
    for (const seed of [11, 22, 33]) {
      const r = GroupReplica.empty(a.groupId, options(eve, time))
      await pull(r, a)
      for (const m of shuffled(signed, seed)) {
        assert.equal((await deliver(r, 'msgs', m)).kind, 'applied')
      }
      replicas.push(r)
    }
    // A few one by one, then the rest in one batch that interleaves with them (a catch-up).
    const batched = GroupReplica.empty(a.groupId, options(eve, time))
    await pull(batched, a)
    const mixed = shuffled(signed, 44)
    for (const m of mixed.slice(0, 4)) {
      assert.equal((await deliver(batched, 'msgs', m)).kind, 'applied')
    }
    const rest = entriesUpdate(mixed.slice(4).map((m) => ({ map: 'msgs' as const, ...m })))
    assert.equal((await batched.applyRemote(rest, 'b')).kind, 'applied')
    replicas.push(batched)
    const expected = signed
      .map((m) => ({ ts: m.entry.ts, id: m.id }))
      .sort((x, y) => x.ts - y.ts || (x.id < y.id ? -1 : 1))
      .map((m) => m.id)
    for (const r of replicas) {
      assert.deepEqual(
        r.messages(1000).map((m) => m.id),
        expected,
      )
    }
    assert.equal(replicas[0]?.messageCount(), signed.length)
    assert.deepEqual(
      replicas[0]?.messages(4).map((m) => m.id),
      expected.slice(-4),
      'messages(limit) returns the last limit, oldest first',
    )
  })

  test('sending checks membership, size and the message replied to', async () => {
    const time = new ManualTime()
    const [a, b] = await trio(time)
    const first = a.sendMessage('hello')
    throwsCode(() => b.sendMessage('too early', first), 'MESSAGE_NOT_FOUND')
    await pull(b, a)
    const reply = b.sendMessage('hi back', first)
    assert.equal(b.message(reply)?.replyTo, first)
    throwsCode(() => a.sendMessage(''), 'BAD_INPUT')
    throwsCode(() => a.sendMessage('x'.repeat(64 * 1024 + 1)), 'TOO_LARGE')
    throwsCode(() => a.sendMessage('é'.repeat(32 * 1024 + 1)), 'TOO_LARGE')
    assert.ok(a.sendMessage('x'.repeat(64 * 1024)))
    throwsCode(() => a.sendMessage('hi', 'aaaaaaaaaaaaaaaaaaaaaaaaaa'), 'MESSAGE_NOT_FOUND')
    const outsider = GroupReplica.empty(a.groupId, options(eve, time))
    await pull(outsider, a)
    throwsCode(() => outsider.sendMessage('let me in'), 'NOT_A_MEMBER')
  })

  test('a local message view is complete and fires messageAdded', async () => {
    const time = new ManualTime()
    const [a, b] = await trio(time)
    const added: Message[] = []
    b.on('messageAdded', (m) => added.push(m))
    const id = a.sendMessage('hello')
    await pull(b, a)
    assert.equal(added.length, 1)
    assert.deepEqual(added[0], {
      id,
      author: founder.peerId,
      authorName: 'Founder',
      text: 'hello',
      ts: time.now,
      replyTo: null,
      editedAt: null,
      deleted: false,
      reactions: {},
      verified: true,
      attachments: [],
    })
    assert.deepEqual(b.message(id), added[0])
  })
})

describe('messages: edits, deletes, reactions', () => {
  test('only the author edits; the latest edit wins on every replica', async () => {
    const time = new ManualTime()
    const [a, b, c] = await trio(time)
    const id = b.sendMessage('draft')
    await syncAll([a, b, c])
    throwsCode(() => a.editMessage(id, 'founder edit'), 'NOT_THE_AUTHOR')
    time.now += 10
    b.editMessage(id, 'second')
    const editTs = time.now
    // An earlier edit arriving later must not win.
    const stale = signAct(bob, a.groupId, {
      kind: 'edit',
      target: id,
      text: 'first',
      ts: editTs - 5,
    })
    assert.equal((await deliver(a, 'acts', stale)).kind, 'applied')
    const forged = signAct(carol, a.groupId, {
      kind: 'edit',
      target: id,
      text: 'carol was here',
      ts: editTs + 100,
    })
    assert.equal((await deliver(a, 'acts', forged)).kind, 'applied')
    await syncAll([a, b, c])
    for (const r of [a, b, c]) {
      const m = r.message(id)
      assert.equal(m?.text, 'second')
      assert.equal(m?.editedAt, editTs)
    }
    throwsCode(() => b.editMessage('aaaaaaaaaaaaaaaaaaaaaaaaaa', 'x'), 'MESSAGE_NOT_FOUND')
    throwsCode(() => b.editMessage(id, ''), 'BAD_INPUT')
  })

  test('the author or an admin deletes; other members cannot', async () => {
    const time = new ManualTime()
    const [a, b, c] = await trio(time)
    const mine = b.sendMessage('oops')
    const carols = c.sendMessage('spam')
    const founders = a.sendMessage('rules')
    await syncAll([a, b, c])
    throwsCode(() => b.deleteMessage(carols), 'NOT_THE_AUTHOR')
    const forged = signAct(bob, a.groupId, { kind: 'delete', target: founders, ts: time.now + 1 })
    assert.equal((await deliver(c, 'acts', forged)).kind, 'applied')
    b.deleteMessage(mine)
    a.deleteMessage(carols)
    await syncAll([a, b, c])
    for (const r of [a, b, c]) {
      assert.deepEqual([r.message(mine)?.deleted, r.message(mine)?.text], [true, ''])
      assert.deepEqual([r.message(carols)?.deleted, r.message(carols)?.text], [true, ''])
      assert.deepEqual([r.message(founders)?.deleted, r.message(founders)?.text], [false, 'rules'])
    }
    throwsCode(() => b.editMessage(mine, 'undo'), 'MESSAGE_NOT_FOUND')
  })

  test('reactions toggle per reactor and emoji; the latest act decides', async () => {
    const time = new ManualTime()
    const [a, b, c] = await trio(time)
    const id = a.sendMessage('lunch?')
    await syncAll([a, b, c])
    const changes: Message[] = []
    a.on('messageChanged', (m) => changes.push(m))
    time.now += 1
    b.react(id, '👍', true)
    time.now += 1
    c.react(id, '👍', true)
    c.react(id, '🎉', true)
    await syncAll([a, b, c])
    const both = [bob.peerId, carol.peerId].sort()
    assert.deepEqual(a.message(id)?.reactions, { '🎉': [carol.peerId], '👍': both })
    time.now += 1
    c.react(id, '👍', false)
    await syncAll([a, b, c])
    for (const r of [a, b, c]) {
      assert.deepEqual(r.message(id)?.reactions, { '🎉': [carol.peerId], '👍': [bob.peerId] })
    }
    assert.ok(changes.length >= 2, 'messageChanged fired')
    assert.deepEqual(changes.at(-1)?.reactions, a.message(id)?.reactions)
    // A stale "on" that arrives late does not resurrect the reaction.
    const stale = signAct(carol, a.groupId, {
      kind: 'react',
      target: id,
      emoji: '👍',
      on: true,
      ts: time.now - 5,
    })
    assert.equal((await deliver(a, 'acts', stale)).kind, 'applied')
    assert.deepEqual(a.message(id)?.reactions['👍'], [bob.peerId])
    // Outsiders' reactions do not count.
    const outsider = signAct(eve, a.groupId, {
      kind: 'react',
      target: id,
      emoji: '👍',
      on: true,
      ts: time.now + 5,
    })
    assert.equal((await deliver(a, 'acts', outsider)).kind, 'applied')
    assert.deepEqual(a.message(id)?.reactions['👍'], [bob.peerId])
    throwsCode(() => a.react(id, 'not an emoji', true), 'BAD_INPUT')
  })

  test('acts that arrive before their message are applied when it arrives', async () => {
    const time = new ManualTime()
    const [a] = await trio(time)
    const msg = signMsg(bob, a.groupId, { ts: time.now, text: 'original' })
    const edit = signAct(bob, a.groupId, {
      kind: 'edit',
      target: msg.id,
      text: 'edited',
      ts: time.now + 1,
    })
    const added: Message[] = []
    a.on('messageAdded', (m) => added.push(m))
    assert.equal((await deliver(a, 'acts', edit)).kind, 'applied')
    assert.equal(a.message(msg.id), undefined)
    assert.equal((await deliver(a, 'msgs', msg)).kind, 'applied')
    assert.equal(added[0]?.text, 'edited')
  })
})

describe('messages: verification', () => {
  test('messages by non-members are kept but shown unverified', async () => {
    const time = new ManualTime()
    const [a] = await trio(time)
    const msg = signMsg(eve, a.groupId, { ts: time.now, text: 'I am the founder' })
    assert.equal((await deliver(a, 'msgs', msg)).kind, 'applied')
    const view = a.message(msg.id)
    assert.equal(view?.verified, false)
    assert.equal(view?.authorName, '')
  })

  test('a message becomes verified when its author’s add op arrives later', async () => {
    const time = new ManualTime()
    const a = GroupReplica.create('Kitchen', options(founder, time, 'Founder'))
    const lagging = GroupReplica.empty(a.groupId, options(carol, time))
    await pull(lagging, a)
    time.now += 1000
    const b = await join(a, a, bob, time)
    time.now += 1000
    const id = b.sendMessage('hi, I am new')
    // The lagging replica hears Bob's message (only) before hearing of his admission.
    const msgUpdate = b.diff(a.stateVector())
    await pull(a, b)
    assert.equal((await lagging.applyRemote(msgUpdate, 'b')).kind, 'applied')
    assert.equal(lagging.message(id)?.verified, false)
    const changed: Message[] = []
    lagging.on('messageChanged', (m) => changed.push(m))
    await pull(lagging, a)
    assert.equal(lagging.message(id)?.verified, true)
    assert.equal(lagging.message(id)?.authorName, 'p' + bob.peerId.slice(-4))
    assert.deepEqual(
      changed.map((m) => [m.id, m.verified]),
      [[id, true]],
    )
  })

  test('messages written after the author was removed are unverified; earlier ones stay verified', async () => {
    const time = new ManualTime()
    const [a, b] = await trio(time)
    const before = b.sendMessage('before')
    await pull(a, b)
    time.now += 1000
    a.removeMember(bob.peerId)
    const after = signMsg(bob, a.groupId, { ts: time.now + 1, text: 'after' })
    assert.equal((await deliver(a, 'msgs', after)).kind, 'applied')
    assert.equal(a.message(before)?.verified, true)
    assert.equal(a.message(after.id)?.verified, false)
  })
})

describe('messages: attachments', () => {
  const BLOB = 'a'.repeat(64)
  const file = (name: string) => ({
    blobId: BLOB,
    name,
    folder: '',
    size: 3,
    mediaType: 'image/png',
    sha256: 'b'.repeat(64),
  })

  test('a message names shelf files; the text may then be empty; a delete hides them', async () => {
    const time = new ManualTime()
    const [a, b] = await trio(time)
    const photo = a.addFile(file('cat.png'))
    const menu = a.addFile(file('menu.png'))
    const id = a.sendMessage('', null, [photo, menu])
    await pull(b, a)
    assert.deepEqual(b.message(id)?.attachments, [photo, menu])
    assert.equal(b.message(id)?.text, '')
    const plain = a.sendMessage('no files')
    await pull(b, a)
    assert.deepEqual(b.message(plain)?.attachments, [])

    throwsCode(() => a.sendMessage('', null, []), 'BAD_INPUT')
    throwsCode(() => a.sendMessage('x', null, ['c'.repeat(26)]), 'FILE_NOT_FOUND')
    throwsCode(() => a.sendMessage('x', null, [photo, photo]), 'BAD_INPUT')
    throwsCode(() => a.sendMessage('x', null, Array(11).fill(photo)), 'BAD_INPUT')

    time.now += 10
    a.deleteMessage(id)
    await pull(b, a)
    assert.deepEqual(b.message(id)?.attachments, [], 'a deleted message shows no files')
  })

  test('an attachment is covered by the signature; malformed ones are rejected', async () => {
    const time = new ManualTime()
    const [a] = await trio(time)
    const fileId = 'c'.repeat(26)
    const signed = signMsg(bob, a.groupId, { ts: time.now, text: '', files: [fileId] })
    // Another file id under the same signature: the id no longer matches, the update is refused.
    const swapped = { ...signed.entry, files: ['d'.repeat(26)] }
    assert.equal((await deliver(a, 'msgs', { id: signed.id, entry: swapped })).kind, 'rejected')
    for (const body of [
      { text: '' },
      { text: 'x', files: [] },
      { text: 'x', files: ['not-an-id'] },
      {
        text: 'x',
        files: Array.from({ length: 11 }, (_, i) => `${'e'.repeat(25)}${'abcdefghijk'[i]}`),
      },
    ]) {
      const bad = signMsg(bob, a.groupId, { ts: time.now, ...body })
      assert.equal((await deliver(a, 'msgs', bad)).kind, 'rejected', JSON.stringify(body))
    }
    // A file the receiver does not know yet is fine: entries arrive in any order.
    assert.equal((await deliver(a, 'msgs', signed)).kind, 'applied')
    assert.deepEqual(a.message(signed.id)?.attachments, [fileId])
  })
})
