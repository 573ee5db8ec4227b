import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { tempName } from '../shelves/durable.ts'
import { DATABASE_FILE } from '../storage/sqlite.ts'
import { IDENTITY_FILE } from '../identity.ts'
import { FAT_MAX_FILE_BYTES, fatProblems, windowsNameProblem } from './fat.ts'
import { PORTABLE_DATA_DIR, PORTABLE_MARKER, PORTABLE_TEMP_DIR } from './layout.ts'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-fat-'))
after(() => fs.rmSync(root, { recursive: true, force: true }))

describe('names on FAT under Windows', () => {
  test('every kind of name Hearth writes is legal', () => {
    const hash = 'ab'.repeat(32)
    const names = [
      DATABASE_FILE,
      `${DATABASE_FILE}-wal`,
      `${DATABASE_FILE}-shm`,
      IDENTITY_FILE,
      `${IDENTITY_FILE}.tmp-12345`,
      'api.json',
      'api.json.tmp-12345',
      'window-state.json.tmp-12345',
      'blobs',
      'chunks',
      'manifests',
      hash.slice(0, 2),
      hash,
      tempName(),
      `.${tempName('.hearth-part')}`,
      PORTABLE_DATA_DIR,
      PORTABLE_MARKER,
      PORTABLE_TEMP_DIR,
    ]
    for (const name of names) assert.equal(windowsNameProblem(name), undefined, name)
  })

  test('what Windows refuses is named', () => {
    for (const name of [
      '',
      '..',
      'CON',
      'nul.txt',
      'Com1',
      'LPT¹',
      'a:b',
      'why?',
      'tab\tname',
      'trailing.',
      'trailing ',
      'x'.repeat(256),
    ]) {
      assert.ok(windowsNameProblem(name), `"${name}" should be refused`)
    }
    assert.equal(windowsNameProblem('console.log'), undefined, 'only the exact device names')
  })
})

describe('fatProblems', () => {
  test('a clean tree has none', async () => {
    const dir = path.join(root, 'clean')
    fs.mkdirSync(path.join(dir, 'blobs', 'ab'), { recursive: true })
    fs.writeFileSync(path.join(dir, 'blobs', 'ab', 'ab'.repeat(32)), 'chunk')
    fs.writeFileSync(path.join(dir, DATABASE_FILE), '')
    assert.deepEqual(await fatProblems(dir), [])
  })

  test('symbolic links, huge files, case twins, bad names and long paths are each reported', async () => {
    const dir = path.join(root, 'dirty')
    fs.mkdirSync(path.join(dir, 'sub'), { recursive: true })
    fs.symlinkSync('sub', path.join(dir, 'link'))
    // Sparse: it claims 4 GiB without using the space.
    const fd = fs.openSync(path.join(dir, 'huge'), 'w')
    fs.ftruncateSync(fd, FAT_MAX_FILE_BYTES + 1)
    fs.closeSync(fd)
    fs.writeFileSync(path.join(dir, 'sub', 'Name'), '')
    fs.writeFileSync(path.join(dir, 'sub', 'name'), '')
    fs.writeFileSync(path.join(dir, 'sub', 'aux.db'), '')
    let deep = dir
    for (let i = 0; i < 5; i++) deep = path.join(deep, 'd'.repeat(45))
    fs.mkdirSync(deep, { recursive: true })
    const problems = (await fatProblems(dir)).join('\n')
    assert.match(problems, /^link: a symbolic link/m)
    assert.match(problems, /^huge: \d+ bytes, over FAT32/m)
    assert.match(problems, /differs from .* only in case/)
    assert.match(problems, /aux\.db.*device name/)
    assert.match(problems, /longer than 200 characters/)
  })
})
