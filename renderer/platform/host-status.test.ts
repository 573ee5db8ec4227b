import assert from 'node:assert/strict'
import { test } from 'node:test'
import { nextHostNotice, reconnectsAfter, type HostNotice } from './host-status.ts'
import type { HostStatus } from './desktop-api.ts'

function run(statuses: HostStatus[]): (HostNotice | null)[] {
  let shown: HostNotice | null = null
  return statuses.map((status) => (shown = nextHostNotice(shown, status)))
}

test('the first start says nothing; a crash, the restart and running again are told', () => {
  assert.deepEqual(
    run([
      { state: 'starting', restarts: 0 },
      { state: 'running', restarts: 0 },
      { state: 'crashed', restarts: 1, retryInMs: 2000, lastError: 'exit 1' },
      { state: 'starting', restarts: 1 },
      { state: 'running', restarts: 1 },
    ]),
    [
      null,
      null,
      { kind: 'restarting', restarts: 1, retryInMs: 2000 },
      { kind: 'restarting', restarts: 1, retryInMs: null },
      { kind: 'running-again', restarts: 1 },
    ],
  )
})

test('giving up is told with the reason, and a successful retry is running again', () => {
  const notices = run([
    { state: 'running', restarts: 3 },
    { state: 'failed', restarts: 3, lastError: 'database locked' },
    { state: 'starting', restarts: 3 },
    { state: 'running', restarts: 3 },
  ])
  assert.deepEqual(notices[1], { kind: 'failed', lastError: 'database locked' })
  assert.deepEqual(notices[3], { kind: 'running-again', restarts: 3 })
})

test('the UI reconnects once, when the peer runs again', () => {
  const restarting: HostNotice = { kind: 'restarting', restarts: 1, retryInMs: null }
  const again: HostNotice = { kind: 'running-again', restarts: 1 }
  assert.equal(reconnectsAfter(restarting, again), true)
  assert.equal(reconnectsAfter(again, again), false)
  assert.equal(reconnectsAfter(null, null), false)
})
