import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { HybridClock, MAX_CLOCK_LEAD_MS } from './clock.ts'

describe('hybrid logical clock', () => {
  test('follows wall time when it moves forward', () => {
    let wall = 1000
    const clock = new HybridClock(() => wall)
    assert.equal(clock.tick(), 1000)
    wall = 2000
    assert.equal(clock.tick(), 2000)
  })

  test('is strictly increasing when wall time stands still or goes back', () => {
    let wall = 5000
    const clock = new HybridClock(() => wall)
    assert.equal(clock.tick(), 5000)
    assert.equal(clock.tick(), 5001)
    wall = 100
    assert.equal(clock.tick(), 5002)
  })

  test('never falls behind an observed timestamp', () => {
    const clock = new HybridClock(() => 1000)
    clock.observe(9000)
    assert.equal(clock.tick(), 9001)
    clock.observe(10) // older: no effect
    assert.equal(clock.tick(), 9002)
  })

  test('ignores observations far in the future for its own time', () => {
    const wall = 1_000_000
    const clock = new HybridClock(() => wall)
    clock.observe(wall + MAX_CLOCK_LEAD_MS + 1)
    assert.equal(clock.tick(), wall)
    clock.observe(wall + MAX_CLOCK_LEAD_MS)
    assert.equal(clock.tick(), wall + MAX_CLOCK_LEAD_MS + 1)
  })

  test('ignores values that are not safe integers', () => {
    const clock = new HybridClock(() => 10)
    clock.observe(Number.NaN)
    clock.observe(1.5e300)
    clock.observe(20.5)
    assert.equal(clock.tick(), 10)
  })
})
