import assert from 'node:assert/strict'
import { test } from 'node:test'
import { AVATAR_TONES, initialOf, toneOf } from './avatar.ts'

test('the initial is the first letter, whatever comes before it', () => {
  assert.equal(initialOf('alice'), 'A')
  assert.equal(initialOf('  <img src=x> Bob'), 'I')
  assert.equal(initialOf('\u202Eevil'), 'E')
  assert.equal(initialOf('할머니'), '할')
  assert.equal(initialOf('👩‍👩‍👧 family'), '👩‍👩‍👧', 'an emoji sequence stays whole')
  assert.equal(initialOf('<>!'), '?')
})

test('the tint is stable per id and spread over all tones', () => {
  assert.equal(toneOf('12D3KooWabc'), toneOf('12D3KooWabc'))
  const seen = new Set(Array.from({ length: 200 }, (_, i) => toneOf(`peer-${i}`)))
  assert.equal(seen.size, AVATAR_TONES)
})
