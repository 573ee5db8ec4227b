// The errors here are real ones from node:sqlite, so the test also pins the shape (code, errcode)
// the mapping relies on.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { HearthError } from '../../api/index.ts'
import { toStorageError } from './sqlite-errors.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-sqlite-errors-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

function caught(fn: () => unknown): unknown {
  try {
    fn()
  } catch (err) {
    return err
  }
  assert.fail('expected the call to throw')
}

function mapped(err: unknown): HearthError {
  const result = toStorageError(err, 'hearth.db', 'testing')
  assert.equal(result.code, 'STORAGE_FAILED')
  return result
}

test('a full disk is named as such', () => {
  const db = new DatabaseSync(path.join(dir, 'full.db'))
  db.exec('CREATE TABLE t (b BLOB)')
  // Capping the page count makes sqlite report SQLITE_FULL exactly as a full disk does.
  const pages = Object.values(db.prepare('PRAGMA page_count').get() ?? {})[0]
  db.exec(`PRAGMA max_page_count = ${Number(pages)}`)
  const err = caught(() => db.prepare('INSERT INTO t VALUES (?)').run(new Uint8Array(100_000)))
  db.close()
  assert.match(mapped(err).message, /^The disk holding hearth\.db is full.*while testing/)
})

test('a read-only database is named as such', () => {
  const file = path.join(dir, 'ro.db')
  new DatabaseSync(file).close()
  const db = new DatabaseSync(file, { readOnly: true })
  const err = caught(() => db.exec('CREATE TABLE t (x)'))
  db.close()
  assert.match(mapped(err).message, /cannot be written \(read-only/)
})

test('a file that is not a database is named as damaged', () => {
  const file = path.join(dir, 'junk.db')
  fs.writeFileSync(file, 'junk'.repeat(1000))
  const db = new DatabaseSync(file)
  const err = caught(() => db.prepare('PRAGMA user_version').get())
  db.close()
  assert.match(mapped(err).message, /damaged or is not a Hearth database/)
})

test('a database locked by another connection is named as in use', () => {
  const file = path.join(dir, 'busy.db')
  const holder = new DatabaseSync(file)
  holder.exec('CREATE TABLE t (x); BEGIN IMMEDIATE; INSERT INTO t VALUES (1)')
  const other = new DatabaseSync(file, { timeout: 0 })
  const err = caught(() => other.exec('BEGIN IMMEDIATE'))
  other.close()
  holder.exec('ROLLBACK')
  holder.close()
  assert.match(mapped(err).message, /in use by another process/)
})

test('extended result codes map by their primary code', () => {
  const ioErrRead = Object.assign(new Error('disk I/O error'), {
    code: 'ERR_SQLITE_ERROR',
    errcode: 266, // SQLITE_IOERR_READ
  })
  assert.match(mapped(ioErrRead).message, /Reading or writing hearth\.db failed/)
})

test('a HearthError passes through; anything else keeps its message', () => {
  const own = new HearthError('GROUP_NOT_FOUND', 'no such group')
  assert.equal(toStorageError(own, 'hearth.db', 'testing'), own)
  assert.match(mapped(new Error('boom')).message, /hearth\.db failed while testing: boom/)
  assert.match(mapped('text').message, /testing: text/)
})
