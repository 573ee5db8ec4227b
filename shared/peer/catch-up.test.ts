// Catch-up progress as people see it: the start and the end at once, counts in between at most
// once per interval (a huge interval here, so no count in between can slip out during the test).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import type { EventPayload } from '../api/contract.ts'
import { CatchUpReporter } from './catch-up.ts'

const G = 'g'.repeat(26)

test('start and end are told at once; the counts in between wait for the interval', () => {
  const sent: EventPayload<'catchUpProgressed'>[] = []
  const reporter = new CatchUpReporter((p) => sent.push(p), 3600_000)
  reporter.changed(G, { active: true, entries: 0 })
  assert.deepEqual(sent, [{ groupId: G, active: true, updates: 0 }])
  assert.deepEqual(reporter.active(), [{ groupId: G, updates: 0 }])
  reporter.changed(G, { active: true, entries: 1234 })
  reporter.changed(G, { active: true, entries: 5000 })
  assert.equal(sent.length, 1, 'counts are held back')
  assert.deepEqual(reporter.active(), [{ groupId: G, updates: 5000 }], 'status has the latest')
  reporter.changed(G, { active: false, entries: 0 })
  assert.deepEqual(sent.at(-1), { groupId: G, active: false, updates: 0 })
  assert.equal(sent.length, 2)
  assert.deepEqual(reporter.active(), [])
  reporter.stop()
})

test('a held-back count goes out after the interval', async () => {
  const sent: EventPayload<'catchUpProgressed'>[] = []
  let delivered: () => void = () => {}
  const second = new Promise<void>((resolve) => (delivered = resolve))
  const reporter = new CatchUpReporter((p) => {
    sent.push(p)
    if (sent.length === 2) delivered()
  }, 1)
  reporter.changed(G, { active: true, entries: 0 })
  reporter.changed(G, { active: true, entries: 42 })
  await second
  assert.deepEqual(sent[1], { groupId: G, active: true, updates: 42 })
  reporter.stop()
})
