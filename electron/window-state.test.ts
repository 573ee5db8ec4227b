import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {
  DEFAULT_WINDOW_STATE,
  fitToWorkAreas,
  loadWindowState,
  MIN_HEIGHT,
  MIN_WIDTH,
  saveWindowState,
  type WindowState,
} from './window-state.ts'

describe('window state persistence', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-window-state-'))
  after(() => fs.rmSync(dir, { recursive: true, force: true }))

  test('what was saved is what loads', () => {
    const file = path.join(dir, 'roundtrip', 'window-state.json')
    const state: WindowState = { x: -1200, y: 40, width: 900, height: 700, maximized: true }
    saveWindowState(file, state)
    assert.deepEqual(loadWindowState(file), state)
    if (process.platform !== 'win32') assert.equal(fs.statSync(file).mode & 0o777, 0o600)
    assert.deepEqual(fs.readdirSync(path.dirname(file)), ['window-state.json'], 'no temp file left')
    saveWindowState(file, { width: 600, height: 500, maximized: false })
    assert.deepEqual(loadWindowState(file), { width: 600, height: 500, maximized: false })
  })

  test('a missing file gives the default', () => {
    assert.deepEqual(loadWindowState(path.join(dir, 'nope.json')), DEFAULT_WINDOW_STATE)
  })

  test('corrupt, hostile or oversized files give the default', () => {
    const cases: [string, string][] = [
      ['truncated', '{"width": 900, "hei'],
      ['not an object', '"hello"'],
      ['too small', JSON.stringify({ width: 10, height: 10, maximized: false })],
      ['absurd size', JSON.stringify({ width: 1e9, height: 700, maximized: false })],
      ['fractional', JSON.stringify({ width: 900.5, height: 700, maximized: false })],
      ['wrong types', JSON.stringify({ width: '900', height: 700, maximized: 'yes' })],
      [
        'huge',
        JSON.stringify({ width: 900, height: 700, maximized: false, pad: 'x'.repeat(9000) }),
      ],
    ]
    for (const [name, text] of cases) {
      const file = path.join(dir, `${name}.json`)
      fs.writeFileSync(file, text)
      assert.deepEqual(loadWindowState(file), DEFAULT_WINDOW_STATE, name)
    }
  })

  test('saving refuses a state that would not load back', () => {
    const file = path.join(dir, 'refused.json')
    assert.throws(() => saveWindowState(file, { width: 1, height: 1, maximized: false }))
    assert.equal(fs.existsSync(file), false)
  })
})

describe('fitToWorkAreas', () => {
  const laptop = { x: 0, y: 0, width: 1440, height: 870 }
  const leftMonitor = { x: -1920, y: 0, width: 1920, height: 1050 }

  test('a position on a screen there is now is kept', () => {
    const state = { x: -1500, y: 100, width: 1000, height: 800, maximized: false }
    assert.deepEqual(fitToWorkAreas(state, [laptop, leftMonitor]), state)
  })

  test('a position on a screen that was unplugged is dropped so the window is centred', () => {
    const state = { x: -1500, y: 100, width: 1000, height: 800, maximized: true }
    assert.deepEqual(fitToWorkAreas(state, [laptop]), {
      width: 1000,
      height: 800,
      maximized: true,
    })
  })

  test('a title strip only a few pixels on screen is not enough to grab', () => {
    const state = { x: 1430, y: 10, width: 800, height: 600, maximized: false }
    assert.equal(fitToWorkAreas(state, [laptop]).x, undefined)
    const above = { x: 100, y: -600, width: 800, height: 600, maximized: false }
    assert.equal(fitToWorkAreas(above, [laptop]).y, undefined)
  })

  test('a size larger than every screen is capped, never below the minimum', () => {
    const big = { width: 5000, height: 4000, maximized: false }
    assert.deepEqual(fitToWorkAreas(big, [laptop, leftMonitor]), {
      width: 1920,
      height: 1050,
      maximized: false,
    })
    const tiny = { x: 0, y: 0, width: 300, height: 200 }
    const fitted = fitToWorkAreas({ width: 900, height: 700, maximized: false }, [tiny])
    assert.equal(fitted.width, MIN_WIDTH)
    assert.equal(fitted.height, MIN_HEIGHT)
  })

  test('with no screen information the state is left alone', () => {
    const state = { x: 5, y: 5, width: 900, height: 700, maximized: false }
    assert.deepEqual(fitToWorkAreas(state, []), state)
  })
})
