import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { BACKUP_PASSPHRASE_ENV, readPassphrase } from './backup-passphrase.ts'
import { UsageError } from './usage.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-pass-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

const source = (fd: string | undefined, env: NodeJS.ProcessEnv = {}) => ({
  fd,
  env,
  confirm: true,
  prompt: () => assert.fail('no prompt without a terminal'),
})

describe('backup passphrases on the command line', () => {
  test('from a file descriptor (its first line, without the line ending), before the environment', async () => {
    const file = path.join(dir, 'pass')
    fs.writeFileSync(file, 'two words\n\n')
    const fd = fs.openSync(file, 'r')
    try {
      const env = { [BACKUP_PASSPHRASE_ENV]: 'from env' }
      assert.equal(await readPassphrase(source(String(fd), env)), 'two words')
    } finally {
      fs.closeSync(fd)
    }
  })

  test('from HEARTH_BACKUP_PASSPHRASE, never from HEARTH_PASSPHRASE', async () => {
    assert.equal(
      await readPassphrase(source(undefined, { [BACKUP_PASSPHRASE_ENV]: 'x y z' })),
      'x y z',
    )
    await assert.rejects(
      readPassphrase(source(undefined, { HEARTH_PASSPHRASE: 'the data folder one' })),
      (err: unknown) => err instanceof UsageError && /HEARTH_BACKUP_PASSPHRASE/.test(err.message),
    )
  })

  test('a bad descriptor is bad usage', async () => {
    await assert.rejects(readPassphrase(source('three')), UsageError)
    await assert.rejects(readPassphrase(source('987654')), UsageError)
  })
})
