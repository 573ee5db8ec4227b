import assert from 'node:assert/strict'
import { test } from 'node:test'
import { en } from './en.ts'
import { makeFmt } from './format.ts'
import { ko } from './ko.ts'

const english = en(makeFmt('en'))
const korean = ko(makeFmt('ko-KR'))

test('Korean has every string English has, and translates them', () => {
  assert.deepEqual(Object.keys(korean).sort(), Object.keys(english).sort())
  assert.deepEqual(Object.keys(korean.errors).sort(), Object.keys(english.errors).sort())
  // Names of things that read the same in both languages.
  const same = new Set(['appName'])
  for (const [key, value] of Object.entries(english)) {
    const other = (korean as Record<string, unknown>)[key]
    if (typeof value === 'string') {
      assert.ok(typeof other === 'string' && other.trim() !== '', key)
      if (!same.has(key)) assert.notEqual(other, value, `${key} is not translated`)
    }
  }
  for (const [code, sentence] of Object.entries(korean.errors)) {
    assert.notEqual(sentence, (english.errors as Record<string, string>)[code], code)
  }
})

test('numbers and countdowns follow the locale', () => {
  assert.equal(english.statusReachable(1234, 5000), '1,234 of 5,000 members reachable')
  assert.equal(korean.memberCount(3), '멤버 3명')
  assert.equal(makeFmt('en').countdown(125_400), '2:05')
  assert.equal(english.unreadCount(1), '1 unread message')
})

test('day headings say today and yesterday in words', () => {
  const now = new Date(2026, 4, 10, 12, 0).getTime()
  const fmt = makeFmt('en')
  assert.equal(fmt.day(now - 3600_000, now), 'Today')
  assert.equal(fmt.day(now - 24 * 3600_000, now), 'Yesterday')
  assert.match(fmt.day(now - 5 * 24 * 3600_000, now), /2026/)
  assert.equal(makeFmt('ko-KR').day(now, now), '오늘')
})

test('seen-by, catch-up and last-seen read naturally in both languages', () => {
  assert.equal(english.seenBy(1, 3), 'Seen by 1 of 3')
  assert.equal(korean.seenBy(1, 3), '3명 중 1명이 읽음')
  assert.equal(english.statusCatchingUp(1234), 'Catching up (1,234 updates)')
  assert.equal(korean.statusCatchingUp(1234), '동기화 중 (업데이트 1,234개)')
  assert.equal(english.statusCatchingUp(0), 'Catching up…')
  const now = new Date(2026, 4, 10, 12, 0).getTime()
  const en = makeFmt('en')
  assert.equal(en.ago(now - 10_000, now), 'now')
  assert.equal(english.lastSeen(en.ago(now - 5 * 60_000, now)), 'Last seen 5 minutes ago')
  assert.equal(en.ago(now - 24 * 3600_000, now), 'yesterday')
  assert.match(en.ago(now - 30 * 24 * 3600_000, now), /2026/)
  assert.equal(
    korean.lastSeen(makeFmt('ko-KR').ago(now - 2 * 3600_000, now)),
    '마지막 접속: 2시간 전',
  )
})
