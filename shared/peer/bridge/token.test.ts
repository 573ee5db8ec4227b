import { test } from 'node:test'
import assert from 'node:assert/strict'
import { newToken, TOKEN_PATTERN, tokenMatches } from './token.ts'

test('tokens are 32 random bytes in base64url', () => {
  const a = newToken()
  assert.equal(Buffer.from(a, 'base64url').length, 32)
  assert.match(a, TOKEN_PATTERN)
  assert.notEqual(a, newToken())
})

test('only the exact token matches', () => {
  const t = newToken()
  assert.equal(tokenMatches(t, t), true)
  assert.equal(tokenMatches(t, undefined), false)
  assert.equal(tokenMatches(t, ''), false)
  assert.equal(tokenMatches(t, t.slice(0, -1)), false)
  assert.equal(tokenMatches(t, `${t}x`), false)
  assert.equal(tokenMatches(t, newToken()), false)
})
