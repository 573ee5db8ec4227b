import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { RestartPolicy } from './restart-policy.ts'

function clock() {
  let t = 1_000_000
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

describe('RestartPolicy', () => {
  const options = {
    initialDelayMs: 500,
    maxDelayMs: 8000,
    factor: 2,
    stableAfterMs: 60_000,
    maxConsecutiveCrashes: 6,
  }

  test('quick crashes back off exponentially up to the cap, then give up', () => {
    const c = clock()
    const policy = new RestartPolicy(options, c.now)
    const delays: number[] = []
    for (;;) {
      policy.started()
      c.advance(1000)
      const decision = policy.crashed()
      if (decision.action === 'give-up') {
        assert.equal(decision.attempts, 6)
        break
      }
      assert.equal(decision.attempt, delays.length + 1)
      delays.push(decision.delayMs)
    }
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 8000])
  })

  test('a crash after a healthy run starts over from the shortest wait', () => {
    const c = clock()
    const policy = new RestartPolicy(options, c.now)
    for (let i = 0; i < 4; i++) {
      policy.started()
      policy.crashed()
    }
    policy.started()
    c.advance(59_999)
    assert.deepEqual(policy.crashed(), { action: 'restart', delayMs: 8000, attempt: 5 })
    policy.started()
    c.advance(60_000)
    assert.deepEqual(policy.crashed(), { action: 'restart', delayMs: 500, attempt: 1 })
  })

  test('a crash before any start counts as a quick one', () => {
    const policy = new RestartPolicy(options, clock().now)
    assert.deepEqual(policy.crashed(), { action: 'restart', delayMs: 500, attempt: 1 })
    assert.deepEqual(policy.crashed(), { action: 'restart', delayMs: 1000, attempt: 2 })
  })

  test('after giving up, reset lets the person try again from the start', () => {
    const policy = new RestartPolicy({ ...options, maxConsecutiveCrashes: 1 }, clock().now)
    policy.started()
    assert.equal(policy.crashed().action, 'restart')
    policy.started()
    assert.equal(policy.crashed().action, 'give-up')
    policy.reset()
    policy.started()
    assert.deepEqual(policy.crashed(), { action: 'restart', delayMs: 500, attempt: 1 })
  })
})
