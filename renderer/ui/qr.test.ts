import assert from 'node:assert/strict'
import { test } from 'node:test'
import { create } from 'qrcode'
import { QR_ERROR_CORRECTION, qrLayout } from './qr.ts'

const INVITE = `hearth-invite:${'eyJ2IjoxLCJncm91cCI6ImFiYyJ9'.repeat(20)}`

test('the runs cover exactly the dark modules of the code', () => {
  const { modules } = create(INVITE, { errorCorrectionLevel: QR_ERROR_CORRECTION })
  const layout = qrLayout(INVITE)
  assert.equal(layout.size, modules.size)
  const drawn = new Uint8Array(layout.size * layout.size)
  for (const run of layout.runs) {
    assert.ok(run.width > 0)
    for (let x = run.x; x < run.x + run.width; x++) {
      const i = run.y * layout.size + x
      assert.equal(drawn[i], 0, 'no module is drawn twice')
      drawn[i] = 1
    }
  }
  for (let y = 0; y < layout.size; y++) {
    for (let x = 0; x < layout.size; x++) {
      assert.equal(drawn[y * layout.size + x], modules.get(y, x) ? 1 : 0, `module ${x},${y}`)
    }
  }
})

test('the finder patterns sit in three corners', () => {
  const { size, runs } = qrLayout('hearth')
  const row = (y: number) => runs.filter((r) => r.y === y)
  // The top edge of a finder is seven dark modules; both top finders start on row 0.
  assert.deepEqual(
    row(0)
      .filter((r) => r.width === 7)
      .map((r) => r.x),
    [0, size - 7],
  )
  assert.ok(
    row(size - 1).some((r) => r.x === 0 && r.width === 7),
    'bottom-left finder',
  )
})

test('runs merge neighbours: far fewer rectangles than dark modules', () => {
  const layout = qrLayout(INVITE)
  const dark = layout.runs.reduce((sum, r) => sum + r.width, 0)
  assert.ok(layout.runs.length < dark * 0.7, `${layout.runs.length} runs for ${dark} modules`)
})
