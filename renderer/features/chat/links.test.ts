import assert from 'node:assert/strict'
import { test } from 'node:test'
import { safeWebUrl, splitLinks } from './links.ts'

test('http and https addresses become links; the rest stays text', () => {
  assert.deepEqual(splitLinks('see https://example.com/a?b=1. ok'), [
    { kind: 'text', text: 'see ' },
    { kind: 'link', text: 'https://example.com/a?b=1', url: 'https://example.com/a?b=1' },
    { kind: 'text', text: '. ok' },
  ])
  assert.deepEqual(splitLinks('(http://x.example)'), [
    { kind: 'text', text: '(' },
    { kind: 'link', text: 'http://x.example', url: 'http://x.example/' },
    { kind: 'text', text: ')' },
  ])
})

test('javascript:, file: and data: are never links', () => {
  for (const text of [
    'javascript:alert(1)',
    '[x](javascript:alert(1))',
    'file:///etc/passwd',
    'data:text/html,<script>alert(1)</script>',
    '<a href="javascript:alert(1)">x</a>',
  ]) {
    assert.deepEqual(splitLinks(text), [{ kind: 'text', text }], text)
  }
})

test('addresses that hide their real host behind user info are not links', () => {
  assert.equal(safeWebUrl('https://bank.example@evil.example/'), undefined)
  assert.deepEqual(splitLinks('https://bank.example@evil.example/'), [
    { kind: 'text', text: 'https://bank.example@evil.example/' },
  ])
})

test('text without links is one text segment, and empty text none', () => {
  assert.deepEqual(splitLinks('hello'), [{ kind: 'text', text: 'hello' }])
  assert.deepEqual(splitLinks(''), [])
})
