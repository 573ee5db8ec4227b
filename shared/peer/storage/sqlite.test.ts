import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { HearthError } from '../../api/index.ts'
import { runStoreContract } from './contract.ts'
import { migrations, type Migration } from './migrations.ts'
import { DATABASE_FILE, openSqliteStore, SqliteStore } from './sqlite.ts'
import { StorageFailure } from './failure.ts'
import { FAT_MAX_FILE_BYTES } from '../portable/fat.ts'

const dirs: string[] = []
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-sqlite-'))
  dirs.push(dir)
  return dir
}
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
})

runStoreContract('SqliteStore', () => openSqliteStore(tempDir()))

const text = (s: string) => new TextEncoder().encode(s)
const decode = (list: Uint8Array[]) => list.map((b) => new TextDecoder().decode(b))

function storageError(pattern: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof HearthError, `expected a HearthError, got ${String(err)}`)
    assert.equal(err.code, 'STORAGE_FAILED')
    assert.match(err.message, pattern)
    return true
  }
}

/** Reads a pragma through a separate connection, as another tool would see the file. */
function pragma(file: string, name: string): unknown {
  const db = new DatabaseSync(file, { readOnly: true })
  try {
    return Object.values(db.prepare(`PRAGMA ${name}`).get() ?? {})[0]
  } finally {
    db.close()
  }
}

function tableNames(file: string): string[] {
  const db = new DatabaseSync(file, { readOnly: true })
  try {
    return db
      .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => String(row.name))
  } finally {
    db.close()
  }
}

// A later schema step, as a future release would add it: it changes the shape of existing data.
const SHIPPED = migrations.length
const NEXT = SHIPPED + 1
const v2: Migration = {
  version: NEXT,
  description: 'test: peers get a nickname column',
  sql: `ALTER TABLE peers ADD COLUMN nickname TEXT NOT NULL DEFAULT 'unnamed';
        UPDATE peers SET nickname = 'was ' || peer_id;`,
}

describe('SqliteStore on disk', () => {
  test('Q1 reopening after close keeps every kind of data', () => {
    const dir = tempDir()
    const first = openSqliteStore(dir)
    first.addGroup('g', 10)
    for (const u of ['u1', 'u2', 'u3']) first.appendUpdate('g', text(u))
    first.compact('g', text('snap'), 2)
    first.setSetting('displayName', 'Ada')
    first.rememberPeer('p', ['/ip4/10.0.0.1/tcp/1'], 5)
    first.close()

    const second = openSqliteStore(dir)
    try {
      assert.deepEqual(second.listGroups(), [{ groupId: 'g', joinedAt: 10 }])
      assert.deepEqual(decode(second.loadUpdates('g')), ['snap', 'u3'])
      assert.equal(second.lastSeq('g'), 3)
      assert.equal(second.appendUpdate('g', text('u4')), 4)
      assert.equal(second.getSetting('displayName'), 'Ada')
      assert.deepEqual(second.knownPeers(), [
        { peerId: 'p', addrs: ['/ip4/10.0.0.1/tcp/1'], seenAt: 5 },
      ])
    } finally {
      second.close()
    }
  })

  test('Q2 the file is created in the data folder, in WAL mode, at the latest schema', () => {
    const dir = path.join(tempDir(), 'nested', 'data')
    const store = openSqliteStore(dir)
    const file = path.join(dir, DATABASE_FILE)
    try {
      assert.equal(store.file, file)
      assert.equal(pragma(file, 'journal_mode'), 'wal')
      assert.equal(pragma(file, 'user_version'), migrations.length)
      assert.deepEqual(tableNames(file), [
        'groups',
        'peers',
        'receipts',
        'settings',
        'snapshots',
        'updates',
      ])
    } finally {
      store.close()
    }
  })

  test('Q3 an older database migrates forward and keeps its data', () => {
    const dir = tempDir()
    const file = path.join(dir, DATABASE_FILE)
    const old = openSqliteStore(dir)
    old.addGroup('g', 1)
    old.appendUpdate('g', text('u1'))
    old.rememberPeer('p', ['/a'], 1)
    old.close()
    assert.equal(pragma(file, 'user_version'), SHIPPED)

    const upgraded = SqliteStore.open(file, { migrations: [...migrations, v2] })
    try {
      assert.equal(pragma(file, 'user_version'), NEXT)
      assert.deepEqual(decode(upgraded.loadUpdates('g')), ['u1'])
      assert.deepEqual(upgraded.knownPeers(), [{ peerId: 'p', addrs: ['/a'], seenAt: 1 }])
      const db = new DatabaseSync(file, { readOnly: true })
      assert.equal(db.prepare('SELECT nickname FROM peers').get()?.nickname, 'was p')
      db.close()
    } finally {
      upgraded.close()
    }
  })

  test('Q3b a database from before receipts gains them and keeps its data', () => {
    const dir = tempDir()
    const file = path.join(dir, DATABASE_FILE)
    // What the first release wrote: schema 1, one group with one update.
    const first = new DatabaseSync(file)
    first.exec(migrations[0]?.sql ?? '')
    first.exec('PRAGMA user_version = 1')
    first.prepare("INSERT INTO groups (group_id, joined_at, last_seq) VALUES ('g', 1, 1)").run()
    first.prepare("INSERT INTO updates (group_id, seq, data) VALUES ('g', 1, ?)").run(text('u1'))
    first.close()
    const current = openSqliteStore(dir)
    try {
      assert.equal(pragma(file, 'user_version'), SHIPPED)
      assert.deepEqual(decode(current.loadUpdates('g')), ['u1'])
      const receipt = { reader: 'p', ts: 5, messageId: 'm', sig: 's' }
      current.putReceipts('g', [receipt])
      assert.deepEqual(current.receipts('g'), [receipt])
    } finally {
      current.close()
    }
  })

  test('Q4 a database written by a newer schema is refused and left unchanged', () => {
    const dir = tempDir()
    const file = path.join(dir, DATABASE_FILE)
    const newer = SqliteStore.open(file, { migrations: [...migrations, v2] })
    newer.addGroup('g', 1)
    newer.appendUpdate('g', text('u1'))
    newer.close()
    const before = fs.readFileSync(file)

    assert.throws(
      () => openSqliteStore(dir),
      storageError(new RegExp(`newer version of Hearth.*schema ${NEXT}`)),
    )
    assert.ok(fs.readFileSync(file).equals(before), 'the file must not change')
    assert.equal(pragma(file, 'user_version'), NEXT)
  })

  test('Q5 a failing migration step is undone completely', () => {
    const dir = tempDir()
    const file = path.join(dir, DATABASE_FILE)
    const store = openSqliteStore(dir)
    store.addGroup('g', 1)
    store.close()
    const broken: Migration = {
      version: NEXT,
      description: 'test: fails half way',
      sql: `CREATE TABLE half (x INTEGER); DELETE FROM groups; INSERT INTO no_such_table VALUES (1);`,
    }

    assert.throws(
      () => SqliteStore.open(file, { migrations: [...migrations, broken] }),
      storageError(new RegExp(`schema ${NEXT}.*undone.*no_such_table`)),
    )
    assert.equal(pragma(file, 'user_version'), SHIPPED)
    assert.ok(!tableNames(file).includes('half'))
    const reopened = openSqliteStore(dir)
    assert.deepEqual(reopened.listGroups(), [{ groupId: 'g', joinedAt: 1 }])
    reopened.close()
  })

  test('Q6 a file that is not a database gives a clear error and is left alone', () => {
    const dir = tempDir()
    const file = path.join(dir, DATABASE_FILE)
    const junk = Buffer.from('this is not a database\n'.repeat(400))
    fs.writeFileSync(file, junk)
    assert.throws(() => openSqliteStore(dir), storageError(/damaged or is not a Hearth database/))
    assert.ok(fs.readFileSync(file).equals(junk))
  })

  test('Q7 a database damaged inside gives STORAGE_FAILED when the damage is read', () => {
    const dir = tempDir()
    const file = path.join(dir, DATABASE_FILE)
    const store = openSqliteStore(dir)
    store.addGroup('g', 1)
    for (let i = 0; i < 100; i++) store.appendUpdate('g', new Uint8Array(1000).fill(i))
    store.close()
    // Keep the header and schema pages; overwrite the pages holding the updates.
    const size = fs.statSync(file).size
    const fd = fs.openSync(file, 'r+')
    fs.writeSync(fd, Buffer.alloc(size - 8192, 0xab), 0, size - 8192, 8192)
    fs.closeSync(fd)

    const damaged = (() => {
      try {
        return openSqliteStore(dir)
      } catch (err) {
        storageError(/damaged/)(err)
        return undefined
      }
    })()
    if (damaged) {
      assert.throws(() => damaged.loadUpdates('g'), storageError(/damaged/))
      damaged.close()
    }
  })

  test('Q8 a data folder that cannot be created gives STORAGE_FAILED', () => {
    const parent = tempDir()
    fs.writeFileSync(path.join(parent, 'file'), 'x')
    assert.throws(
      () => openSqliteStore(path.join(parent, 'file', 'data')),
      storageError(/cannot be created/),
    )
  })

  test('Q9 two stores on one file see each other’s writes', () => {
    const dir = tempDir()
    const a = openSqliteStore(dir)
    const b = openSqliteStore(dir)
    try {
      a.addGroup('g', 1)
      assert.equal(b.appendUpdate('g', text('from b')), 1)
      assert.equal(a.appendUpdate('g', text('from a')), 2)
      assert.deepEqual(decode(b.loadUpdates('g')), ['from b', 'from a'])
    } finally {
      a.close()
      b.close()
    }
  })

  test('Q10 the database never grows past maxBytes: the write fails as on a full disk, nothing stored is lost', () => {
    const dir = tempDir()
    const store = openSqliteStore(dir, { maxBytes: 256 * 1024 })
    store.addGroup('g', 1)
    const kept: string[] = []
    let failure: unknown
    for (let i = 0; i < 1000 && failure === undefined; i++) {
      try {
        store.appendUpdate('g', text(`${i}:${'x'.repeat(4000)}`))
        kept.push(String(i))
      } catch (err) {
        failure = err
      }
    }
    assert.ok(
      failure instanceof StorageFailure,
      `expected a StorageFailure, got ${String(failure)}`,
    )
    assert.equal(failure.problem, 'disk-full')
    assert.ok(kept.length > 10)
    assert.deepEqual(
      decode(store.loadUpdates('g')).map((u) => u.split(':')[0]),
      kept,
      'every update stored before the limit is there, in order',
    )
    store.close()
    const file = path.join(dir, DATABASE_FILE)
    assert.equal(pragma(file, 'integrity_check'), 'ok')
    assert.ok(fs.statSync(file).size <= 256 * 1024 + 4096)
  })

  test('Q11 by default the database is capped at FAT32’s file size limit', () => {
    const store = openSqliteStore(tempDir())
    const db = new DatabaseSync(store.file)
    const pageSize = Number(Object.values(db.prepare('PRAGMA page_size').get() ?? {})[0])
    db.close()
    // max_page_count is per connection, so it is read through the store's own.
    const max = (store as unknown as { db: DatabaseSync }).db.prepare('PRAGMA max_page_count').get()
    store.close()
    assert.equal(Number(Object.values(max ?? {})[0]) * pageSize <= FAT_MAX_FILE_BYTES, true)
    assert.ok(Number(Object.values(max ?? {})[0]) * pageSize > FAT_MAX_FILE_BYTES - pageSize)
  })

  test('Q12 mustExist never creates a database (a reopen after the drive went away)', () => {
    const dir = tempDir()
    const file = path.join(dir, DATABASE_FILE)
    assert.throws(
      () => SqliteStore.open(file, { mustExist: true }),
      (err: unknown) => err instanceof StorageFailure && err.problem === 'missing',
    )
    assert.equal(fs.existsSync(file), false)
    openSqliteStore(dir).close()
    SqliteStore.open(file, { mustExist: true }).close()
  })

  test('Q13 after an update stored without an fsync, writes wait for the disk again', () => {
    const store = openSqliteStore(tempDir())
    // synchronous is a setting of the connection, so it can only be read through the store's own.
    const synchronous = () =>
      Object.values(
        (store as unknown as { db: DatabaseSync }).db.prepare('PRAGMA synchronous').get() ?? {},
      )[0]
    const FULL = 2
    try {
      store.addGroup('g', 1)
      assert.equal(synchronous(), FULL)
      store.appendUpdate('g', text('theirs'), { durable: false })
      assert.equal(synchronous(), FULL)
      assert.throws(() => store.appendUpdate('gone', text('x'), { durable: false }))
      assert.equal(synchronous(), FULL, 'also after a failed write')
    } finally {
      store.close()
    }
  })
})
