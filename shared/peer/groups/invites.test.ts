import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { HearthError } from '../../api/index.ts'
import { randomId } from './ids.ts'
import {
  decodeInvite,
  encodeInvite,
  INVITE_PREFIX,
  makeJoinRequest,
  MAX_INVITE_TEXT,
  signInvite,
  verifyInviteSignature,
  verifyJoinRequest,
  type Invite,
} from './invites.ts'
import type { Signer } from './signing.ts'
import { makeSigners } from './testing.ts'

const [admin, joiner] = (await makeSigners(2)) as [Signer, Signer]

function anInvite(overrides: Partial<Invite> = {}): Invite {
  return signInvite(admin, {
    v: 1,
    group: randomId(),
    groupName: 'Kitchen',
    author: admin.peerId,
    inviteId: randomId(),
    createdAt: 1000,
    expiresAt: 2000,
    uses: 3,
    members: [{ peerId: admin.peerId, addrs: ['/ip4/10.0.0.2/tcp/4001'] }],
    ...overrides,
  })
}

function base64(json: unknown): string {
  return INVITE_PREFIX + Buffer.from(JSON.stringify(json)).toString('base64url')
}

function assertInvalid(text: string): void {
  assert.throws(
    () => decodeInvite(text),
    (err: unknown) => {
      assert.ok(err instanceof HearthError, `not a HearthError: ${String(err)}`)
      assert.equal(err.code, 'INVITE_INVALID')
      assert.match(err.message, /^[A-Z].*\.$/, 'one clear sentence')
      return true
    },
    text.slice(0, 60),
  )
}

describe('invites', () => {
  test('encode then decode gives the same signed invite', () => {
    const invite = anInvite()
    const text = encodeInvite(invite)
    assert.ok(text.startsWith('hearth-invite:'))
    assert.deepEqual(decodeInvite(text), invite)
    assert.deepEqual(decodeInvite(`  ${text}\n`), invite, 'surrounding whitespace from a paste')
    assert.ok(verifyInviteSignature(invite))
  })

  test('malformed invite text is refused with INVITE_INVALID', () => {
    const valid = anInvite()
    const text = encodeInvite(valid)
    const cases = [
      '',
      'hello',
      'hearth-invite:',
      'hearth-invite:!!!!',
      'HEARTH-INVITE:' + text.slice(INVITE_PREFIX.length),
      INVITE_PREFIX + Buffer.from('not json').toString('base64url'),
      base64(null),
      base64([]),
      base64('x'),
      base64({ ...valid, v: 2 }),
      base64({ ...valid, extra: true }),
      base64({ ...valid, uses: 0 }),
      base64({ ...valid, uses: 1.5 }),
      base64({ ...valid, group: 'NOT-A-GROUP' }),
      base64({ ...valid, author: 'nobody' }),
      base64({ ...valid, members: 'everyone' }),
      base64({ ...valid, sig: undefined }),
      text.slice(0, -5),
      INVITE_PREFIX + 'A'.repeat(MAX_INVITE_TEXT),
    ]
    for (const c of cases) assertInvalid(c)
  })

  test('what is wrong is said in words a person can act on', () => {
    const message = (text: string) => {
      try {
        decodeInvite(text)
      } catch (err) {
        return (err as Error).message
      }
      assert.fail(`${text} decoded`)
    }
    // Join takes a short code too: digits that are not one are a mistyped code.
    assert.match(message('123-456'), /short code has 8 digits/)
    assert.match(message('１２３４-５６７'), /short code has 8 digits/)
    assert.match(message('hello'), /neither a Hearth invite .* nor a short code/)
    // A damaged body never quotes the parser (or the broken bytes) back.
    const damaged = message(INVITE_PREFIX + 'abc')
    assert.match(damaged, /^This invite is damaged/)
    assert.doesNotMatch(damaged, /JSON|token|\uFFFD/)
  })

  test('an altered invite fails its signature check', () => {
    const valid = anInvite()
    assertInvalid(base64({ ...valid, uses: 1000 }))
    assertInvalid(base64({ ...valid, expiresAt: valid.expiresAt + 1 }))
    assertInvalid(base64({ ...valid, members: [] }))
    assert.equal(verifyInviteSignature({ ...valid, groupName: 'Other' }), false)
  })

  test('an invite claiming another author fails', () => {
    const valid = anInvite()
    assertInvalid(base64({ ...valid, author: joiner.peerId }))
  })

  test('join requests are signed by the joiner and bound to the invite', () => {
    const invite = anInvite()
    const request = makeJoinRequest(invite, joiner, '  Mina ', 1500)
    assert.equal(request.name, 'Mina', 'names are trimmed before signing')
    assert.equal(request.inviteId, invite.inviteId)
    assert.equal(request.group, invite.group)
    assert.ok(verifyJoinRequest(request))
    assert.equal(verifyJoinRequest({ ...request, name: 'Eve' }), false)
    assert.equal(verifyJoinRequest({ ...request, peerId: invite.author }), false)
    assert.throws(
      () => makeJoinRequest(invite, joiner, '\u202eevil', 1),
      (err: unknown) => err instanceof HearthError && err.code === 'BAD_INPUT',
    )
  })
})
