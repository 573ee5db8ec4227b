import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Message } from '../../../shared/api/index.ts'
import { buildRows } from './rows.ts'

const alice = '12D3KooWLbhKjW1JfrTaK8BAzoiUU3rEQLgKa8Y4UGztpsPAGDiN'
const bob = '12D3KooWQYhTNQdmr3ArTeUHRYzFg94BKyTkoWBDWez9kSCVe2Xo'
function message(id: string, ts: number, by = alice): Message {
  return {
    id: id.padEnd(26, 'a'),
    author: by,
    authorName: by === alice ? 'Alice' : 'Bob',
    text: id,
    ts,
    replyTo: null,
    editedAt: null,
    deleted: false,
    reactions: {},
    verified: true,
    attachments: [],
  }
}
const day1 = new Date(2026, 0, 5, 10, 0).getTime()
const day2 = new Date(2026, 0, 6, 9, 0).getTime()

test('a day separator opens each day, and runs of one author are grouped', () => {
  const messages = [
    message('a', day1),
    message('b', day1 + 60_000),
    message('c', day1 + 120_000, bob),
    message('d', day2),
  ]
  const rows = buildRows(messages, null, [], day2)
  assert.deepEqual(
    rows.map((r) => (r.kind === 'message' ? `${r.message.text}${r.continued ? '+' : ''}` : r.kind)),
    ['day', 'a', 'b+', 'c', 'day', 'd'],
  )
})

test('the new-messages line sits before the first unread message and breaks a run', () => {
  const messages = [message('a', day1), message('b', day1 + 1000)]
  const rows = buildRows(messages, messages[1]?.id ?? null, [], day1)
  assert.deepEqual(
    rows.map((r) => (r.kind === 'message' ? `${r.message.text}${r.continued ? '+' : ''}` : r.kind)),
    ['day', 'a', 'unread', 'b'],
  )
})

test('unconfirmed sends come last, under today', () => {
  const pending = [
    {
      localId: 'local-1',
      text: 'hi',
      replyTo: null,
      attachments: [],
      state: 'sending' as const,
      error: undefined,
    },
  ]
  const rows = buildRows([message('a', day1)], null, pending, day2)
  assert.deepEqual(
    rows.map((r) => r.kind),
    ['day', 'message', 'day', 'pending'],
  )
})
