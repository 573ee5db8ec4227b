import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { RunLimiter } from './run-limiter.ts'

const T0 = 1_000_000

describe('run limiter', () => {
  test('one run at a time per peer; released runs free the slot', () => {
    const limiter = new RunLimiter({ perPeerConcurrent: 1, perPeerPerWindow: 10 })
    const release = limiter.tryStart('a', T0)
    assert.ok(release)
    assert.equal(limiter.tryStart('a', T0), null)
    assert.ok(limiter.tryStart('b', T0), 'another peer is not held up')
    release()
    release()
    assert.ok(limiter.tryStart('a', T0))
  })

  test('starts per peer per window, then the window slides', () => {
    const limiter = new RunLimiter({ perPeerPerWindow: 3, windowMs: 1000 })
    for (let i = 0; i < 3; i++) limiter.tryStart('a', T0 + i)?.()
    assert.equal(limiter.tryStart('a', T0 + 10), null)
    assert.equal(limiter.tryStart('a', T0 + 999), null, 'the first start is still in the window')
    const again = limiter.tryStart('a', T0 + 1000)
    assert.ok(again)
    again()
    assert.equal(limiter.tryStart('a', T0 + 1000), null, 'and only that one slot came free')
  })

  test('global concurrency across fresh peer ids', () => {
    const limiter = new RunLimiter({ globalConcurrent: 2 })
    const first = limiter.tryStart('p1', T0)
    assert.ok(first)
    assert.ok(limiter.tryStart('p2', T0))
    assert.equal(limiter.tryStart('p3', T0), null)
    first()
    assert.ok(limiter.tryStart('p3', T0))
  })

  test('global starts per window bound a flood of fresh peer ids', () => {
    const limiter = new RunLimiter({ globalPerWindow: 5, windowMs: 1000 })
    for (let i = 0; i < 5; i++) assert.ok(limiter.tryStart(`fresh-${i}`, T0)?.() === undefined)
    assert.equal(limiter.tryStart('fresh-5', T0), null)
    assert.ok(limiter.tryStart('fresh-5', T0 + 1001))
  })
})
