// Where passphrases come from: a file descriptor, the environment, or a terminal that does not echo.
import assert from 'node:assert/strict'
import { EventEmitter } from 'node:events'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { obtainPassphrase, readLineFromFd, requirePassphrase, type Terminal } from './passphrase.ts'
import { UsageError } from './usage.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-passphrase-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

/** A terminal that types `keys` once the prompt is up, and records what was written back. */
function terminal(...keys: string[]): Terminal & { raw: boolean[] } {
  const emitter = new EventEmitter()
  const raw: boolean[] = []
  let pending = [...keys]
  return {
    isTTY: true,
    raw,
    setRawMode: (on: boolean) => raw.push(on),
    on: (event, listener) => emitter.on(event, listener),
    off: (event, listener) => emitter.off(event, listener),
    resume: () => {
      const next = pending[0]
      pending = pending.slice(1)
      if (next !== undefined) queueMicrotask(() => emitter.emit('data', Buffer.from(next)))
    },
    pause: () => undefined,
  }
}

const io = (env: NodeJS.ProcessEnv = {}) => ({ out() {}, err() {}, env })
const spec = { fd: undefined, env: 'HEARTH_PASSPHRASE', prompt: 'Passphrase: ' }

describe('passphrase sources', () => {
  test('a file descriptor gives one line per read, without its line ending', () => {
    const file = path.join(dir, 'two-lines')
    fs.writeFileSync(file, 'old one\r\nnew one, with spaces \n')
    const fd = fs.openSync(file, 'r')
    try {
      assert.equal(readLineFromFd(fd), 'old one')
      assert.equal(readLineFromFd(fd), 'new one, with spaces ')
      assert.throws(() => readLineFromFd(fd), UsageError)
    } finally {
      fs.closeSync(fd)
    }
  })

  test('the environment variable is used once and removed, so child processes never see it', async () => {
    const env: NodeJS.ProcessEnv = { HEARTH_PASSPHRASE: 'from the environment' }
    assert.equal(
      await obtainPassphrase(spec, { io: io(env), stdin: terminal() }),
      'from the environment',
    )
    assert.equal(env.HEARTH_PASSPHRASE, undefined)
  })

  test('a terminal prompt does not echo, takes corrections, and restores the terminal', async () => {
    const written: string[] = []
    const tty = terminal('secrex\u007ft pass\r')
    let rawWhenAsked: boolean[] | undefined
    const got = await obtainPassphrase(spec, {
      io: io(),
      stdin: tty,
      stderr: {
        write: (s: string) => {
          if (s === 'Passphrase: ') rawWhenAsked = [...tty.raw]
          return written.push(s)
        },
      },
    })
    // Echo goes off before the question shows, so an answer typed at once is never echoed.
    assert.deepEqual(rawWhenAsked, [true])
    assert.equal(got, 'secret pass')
    assert.deepEqual(
      written,
      ['Passphrase: ', '\n'],
      'only the prompt is written, never the typing',
    )
    assert.deepEqual(tty.raw, [true, false])
  })

  test('a new passphrase is asked twice; two different ones change nothing', async () => {
    const confirm = { ...spec, confirm: 'Again: ' }
    const sources = (...keys: string[]) => ({
      io: io(),
      stdin: terminal(...keys),
      stderr: { write() {} },
    })
    assert.equal(await obtainPassphrase(confirm, sources('same one\r', 'same one\r')), 'same one')
    await assert.rejects(obtainPassphrase(confirm, sources('one\r', 'other\r')), /not the same/)
    await assert.rejects(obtainPassphrase(spec, sources('\u0003')), /no passphrase was typed/)
  })

  test('with no descriptor, no variable and no terminal there is no passphrase', async () => {
    const noTty = { ...terminal(), isTTY: false }
    assert.equal(await obtainPassphrase(spec, { io: io(), stdin: noTty }), undefined)
    await assert.rejects(
      requirePassphrase(spec, { io: io(), stdin: noTty }, 'vault unlock'),
      /vault unlock needs a passphrase: .*--passphrase-fd N or in HEARTH_PASSPHRASE/,
    )
  })
})
