// Joining by a short code read aloud: the joiner has no invite, only eight digits, and finds the
// inviter among the peers it can see.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { PeerSet } from '../helpers/peers.ts'

const peers = new PeerSet()
after(() => peers.cleanup())

describe('short codes', () => {
  test('a code typed on another machine joins the group once; a wrong code does not', async () => {
    const a = await peers.start('Ana')
    const { groupId } = await a.peer.handlers['groups.create']({ name: 'Office' })
    const { code, expiresAt } = await a.peer.handlers['groups.code']({ group: 'Office' })
    assert.match(code, /^\d{4}-\d{4}$/)
    assert.ok(expiresAt > Date.now() && expiresAt <= Date.now() + 10 * 60_000)

    // Multicast is off in this test, so the newcomers are pointed at Ana's address instead.
    const bootstrap = a.peer.addrs()
    const m = await peers.start('Mallory', { bootstrap })
    const wrong = code.startsWith('0') ? `1${code.slice(1)}` : `0${code.slice(1)}`
    await assert.rejects(m.peer.handlers['groups.join']({ invite: wrong }), {
      code: 'CODE_INVALID',
    })
    assert.deepEqual(await m.peer.handlers['groups.list']({}), [])

    const b = await peers.start('Bo', { bootstrap })
    // People type codes with spaces or without the dash.
    assert.deepEqual(await b.peer.handlers['groups.join']({ invite: code.replace('-', ' ') }), {
      groupId,
    })
    const names = (await b.peer.handlers['groups.list']({}))[0]?.members.map((x) => x.name).sort()
    assert.deepEqual(names, ['Ana', 'Bo'])

    const c = await peers.start('Cy', { bootstrap })
    await assert.rejects(
      c.peer.handlers['groups.join']({ invite: code }),
      (err: Error & { code?: string }) => ['CODE_INVALID', 'CODE_EXPIRED'].includes(err.code ?? ''),
    )
  })
})
