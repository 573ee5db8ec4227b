import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { Message } from '../../shared/api/index.ts'
import { MessageLog } from './message-log.ts'

const author = '12D3KooWLbhKjW1JfrTaK8BAzoiUU3rEQLgKa8Y4UGztpsPAGDiN'
function message(id: string, ts: number, text = id): Message {
  return {
    id: id.padEnd(26, 'a'),
    author,
    authorName: 'A',
    text,
    ts,
    replyTo: null,
    editedAt: null,
    deleted: false,
    reactions: {},
    verified: true,
    attachments: [],
  }
}
const ids = (log: MessageLog) => log.items.map((m) => m.text)

test('keeps display order whatever order messages arrive in', () => {
  const log = new MessageLog()
  for (const [id, ts] of [
    ['c', 30],
    ['a', 10],
    ['e', 50],
    ['b', 20],
    ['d', 40],
  ] as const) {
    log.upsert(message(id, ts))
  }
  assert.deepEqual(ids(log), ['a', 'b', 'c', 'd', 'e'])
  assert.equal(log.indexOf(message('d', 40).id), 3)
  assert.equal(log.last()?.text, 'e')
})

test('equal times are ordered by id, as on every replica', () => {
  const log = new MessageLog()
  log.upsert(message('y', 5))
  log.upsert(message('x', 5))
  assert.deepEqual(ids(log), ['x', 'y'])
})

test('a changed message replaces the old one in place and bumps the version', () => {
  const log = new MessageLog()
  log.upsert(message('a', 1))
  log.upsert(message('b', 2))
  const version = log.version
  const isNew = log.upsert({ ...message('a', 1), text: 'a, edited' })
  assert.equal(isNew, false)
  assert.equal(log.size, 2)
  assert.deepEqual(ids(log), ['a, edited', 'b'])
  assert.ok(log.version > version)
  assert.equal(log.get(message('a', 1).id)?.text, 'a, edited')
})

test('20,000 messages arriving newest-first stay ordered', () => {
  const log = new MessageLog()
  const n = 20_000
  for (let i = n - 1; i >= 0; i--) log.upsert(message(`m${i}`, i, String(i)))
  assert.equal(log.size, n)
  for (let i = 0; i < n; i += 997) assert.equal(log.items[i]?.ts, i)
})
