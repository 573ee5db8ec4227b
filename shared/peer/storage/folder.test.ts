import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { StorageFailure } from './failure.ts'
import { DataFolder } from './folder.ts'
import { DATABASE_FILE, openSqliteStore } from './sqlite.ts'

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-folder-'))
after(() => fs.rmSync(root, { recursive: true, force: true }))

let n = 0
function dataFolder(): { dir: string; folder: DataFolder } {
  const dir = path.join(root, `data-${n++}`)
  openSqliteStore(dir).close()
  fs.writeFileSync(path.join(dir, 'identity.key'), 'key one')
  const folder = new DataFolder(dir, DATABASE_FILE, 'identity.key')
  folder.capture()
  return { dir, folder }
}

function fails(problem: string) {
  return (err: unknown) => {
    assert.ok(err instanceof StorageFailure, `expected a StorageFailure, got ${String(err)}`)
    assert.equal(err.problem, problem)
    return true
  }
}

describe('DataFolder', () => {
  test('a folder that is there, writable and with room passes both checks', () => {
    const { folder } = dataFolder()
    folder.check()
    folder.checkBack()
  })

  test('a folder moved away is missing, and back when it returns', () => {
    const { dir, folder } = dataFolder()
    fs.renameSync(dir, `${dir}-away`)
    assert.throws(() => folder.check(), fails('missing'))
    assert.throws(() => folder.checkBack(), fails('missing'))
    fs.renameSync(`${dir}-away`, dir)
    folder.check()
    folder.checkBack()
  })

  test('another file at the same path is not the database that was opened', () => {
    const { dir, folder } = dataFolder()
    const file = path.join(dir, DATABASE_FILE)
    fs.copyFileSync(file, `${file}.copy`)
    fs.renameSync(`${file}.copy`, file)
    assert.throws(() => folder.check(), fails('missing'))
    // Whether it is ours is for checkBack to say (the key is the same): it may be reopened.
    folder.checkBack()
    folder.capture()
    folder.check()
  })

  test('a folder that comes back holding another device key is not ours', () => {
    const { dir, folder } = dataFolder()
    fs.writeFileSync(path.join(dir, 'identity.key'), 'key two')
    assert.throws(() => folder.checkBack(), fails('missing'))
  })
})
