import assert from 'node:assert/strict'
import { describe, test } from 'node:test'

import { RateMeter } from './rate.ts'

describe('RateMeter', () => {
  test('is 0 before any bytes, and the first bytes already give a rate', () => {
    let now = 1_000
    const meter = new RateMeter(() => now)
    assert.equal(meter.rate(), 0)
    now += 500
    meter.add(1_000_000)
    assert.equal(meter.rate(), 2_000_000)
  })

  test('measures over the last few seconds, so a stall shows as a falling rate', () => {
    let now = 0
    const meter = new RateMeter(() => now)
    for (let i = 0; i < 10; i++) {
      now += 1_000
      meter.add(1_000)
    }
    assert.equal(meter.rate(), 1_000)
    now += 10_000 // nothing arrives for ten seconds
    const stalled = meter.rate()
    assert.ok(stalled < 200, `the rate fell to ${stalled} B/s`)
  })
})
