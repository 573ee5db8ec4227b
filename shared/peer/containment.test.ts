import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { isContainedStreamError } from './containment.ts'

const here = fileURLToPath(new URL('./containment.ts', import.meta.url))

function runChild(body: string): Promise<{ code: number | null; stderr: string }> {
  const script = `import { containStreamErrors } from ${JSON.stringify(here)}
containStreamErrors()
${body}`
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s))
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })))
}

describe('containment of stream errors', () => {
  test('only libp2p stream-state errors are contained', () => {
    const e = new Error('Cannot write to a stream that is closed')
    e.name = 'StreamStateError'
    assert.equal(isContainedStreamError(e), true)
    assert.equal(isContainedStreamError(new TypeError('x')), false)
    assert.equal(isContainedStreamError('StreamStateError'), false)
  })

  test('a stream error thrown from an event handler is logged and the process lives on', async () => {
    const r = await runChild(`
setTimeout(() => { const e = new Error('closed'); e.name = 'StreamStateError'; throw e })
setTimeout(() => { console.error('still alive'); process.exit(0) }, 50)`)
    assert.equal(r.code, 0)
    assert.match(r.stderr, /contained a stream error/)
    assert.match(r.stderr, /still alive/)
  })

  test('any other uncaught error still ends the process with code 1', async () => {
    const r = await runChild(`
setTimeout(() => { throw new TypeError('a real bug') })
setTimeout(() => { console.error('should not get here'); process.exit(0) }, 50)`)
    assert.equal(r.code, 1)
    assert.match(r.stderr, /fatal: TypeError: a real bug/)
    assert.doesNotMatch(r.stderr, /should not get here/)
  })
})
