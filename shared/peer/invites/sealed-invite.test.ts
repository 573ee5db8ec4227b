import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { HearthError } from '../../api/index.ts'
import { SEAL_OVERHEAD, inviteKey, openInvite, sealInvite } from './sealed-invite.ts'

const isk = crypto.getRandomValues(new Uint8Array(64))
const sid = crypto.getRandomValues(new Uint8Array(16))
const aad = new TextEncoder().encode('channel')
const invalid = (err: unknown) => err instanceof HearthError && err.code === 'INVITE_INVALID'

describe('sealed invite', () => {
  test('seals and opens; the text never appears in the sealed bytes', () => {
    const key = inviteKey(isk, sid)
    const sealed = sealInvite(key, 'hearth-invite:가족', aad)
    assert.equal(
      sealed.length,
      new TextEncoder().encode('hearth-invite:가족').length + SEAL_OVERHEAD,
    )
    assert.equal(Buffer.from(sealed).indexOf('hearth-invite'), -1)
    assert.equal(openInvite(key, sealed, aad), 'hearth-invite:가족')
  })

  test('two seals of the same invite differ (fresh nonce)', () => {
    const key = inviteKey(isk, sid)
    assert.notDeepEqual(sealInvite(key, 'x', aad), sealInvite(key, 'x', aad))
  })

  test('the key depends on both the ISK and the session id', () => {
    const otherSid = crypto.getRandomValues(new Uint8Array(16))
    assert.notDeepEqual(inviteKey(isk, sid), inviteKey(isk, otherSid))
    assert.notDeepEqual(
      inviteKey(isk, sid),
      inviteKey(
        isk.map((b) => b ^ 1),
        sid,
      ),
    )
  })

  test('any flipped bit, a wrong key, other associated data or a short box are refused', () => {
    const key = inviteKey(isk, sid)
    const sealed = sealInvite(key, 'invite', aad)
    for (let i = 0; i < sealed.length; i++) {
      const bad = Uint8Array.from(sealed)
      bad[i] = (bad[i] ?? 0) ^ 0x01
      assert.throws(() => openInvite(key, bad, aad), invalid, `byte ${i}`)
    }
    assert.throws(() => openInvite(inviteKey(isk, new Uint8Array(16)), sealed, aad), invalid)
    assert.throws(() => openInvite(key, sealed, new Uint8Array(0)), invalid)
    assert.throws(() => openInvite(key, sealed.subarray(0, SEAL_OVERHEAD - 1), aad), invalid)
  })
})
