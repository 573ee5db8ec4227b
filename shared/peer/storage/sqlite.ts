// The store on disk: one sqlite file per data folder, WAL with synchronous=FULL so a write that has
// returned survives kill -9 and power loss (on media that honour flushes).
import fs from 'node:fs'
import path from 'node:path'
import { DatabaseSync, type SQLOutputValue, type StatementSync } from 'node:sqlite'
import { HearthError } from '../../api/index.ts'
import { migrations as schemaMigrations, type Migration } from './migrations.ts'
import {
  checkBytes,
  checkCompactionPoint,
  checkId,
  checkReceipts,
  checkText,
  checkTime,
  groupNotFound,
  storeClosed,
  uniqueAddrs,
} from './rules.ts'
import { toStorageError } from './sqlite-errors.ts'
import { problemOfFsError, StorageFailure } from './failure.ts'
import { FAT_MAX_FILE_BYTES } from '../portable/fat.ts'
import type { AppendOptions, KnownPeer, Store, StoredGroup, StoredReceipt } from './types.ts'

export const DATABASE_FILE = 'hearth.db'

export interface SqliteStoreOptions {
  /** The schema steps to run; only tests pass anything but the shipped list. */
  migrations?: readonly Migration[]
  /** How long a write waits for another connection's lock before failing. */
  busyTimeoutMs?: number
  /**
   * The database never grows past this (writes then fail as on a full disk). The default is
   * FAT32's file size limit, so a data folder always fits a FAT32 stick.
   */
  maxBytes?: number
  /**
   * Refuse to create the file: used when reopening after a fault, where a missing database
   * means the drive is gone and creating a new one would write somewhere else.
   */
  mustExist?: boolean
}

/** Opens (creating if needed) `dir/hearth.db`, bringing its schema up to date. */
export function openSqliteStore(dir: string, options: SqliteStoreOptions = {}): SqliteStore {
  try {
    fs.mkdirSync(dir, { recursive: true })
  } catch (err) {
    throw new StorageFailure(
      problemOfFsError(err),
      `The data folder ${dir} cannot be created: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
  return SqliteStore.open(path.join(dir, DATABASE_FILE), options)
}

type Row = Record<string, SQLOutputValue>

function damaged(file: string, what: string): HearthError {
  return new HearthError(
    'STORAGE_FAILED',
    `${file} is damaged or is not a Hearth database: ${what} has an unexpected value.`,
  )
}

function readUserVersion(db: DatabaseSync): number {
  const value = (db.prepare('PRAGMA user_version').get() as Row | undefined)?.user_version
  if (typeof value !== 'number') throw new Error('PRAGMA user_version returned no number')
  return value
}

function checkMigrationList(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new Error(`migration #${i} has version ${m.version}; versions must be 1, 2, 3, ...`)
    }
  })
}

export class SqliteStore implements Store {
  readonly file: string
  private readonly db: DatabaseSync
  private readonly sql: Record<
    | 'listGroups'
    | 'addGroup'
    | 'removeGroup'
    | 'bumpSeq'
    | 'insertUpdate'
    | 'loadSnapshot'
    | 'loadUpdates'
    | 'groupSeqs'
    | 'putSnapshot'
    | 'deleteUpdatesUpTo'
    | 'lastSeq'
    | 'getSetting'
    | 'setSetting'
    | 'settingKeys'
    | 'putPeer'
    | 'knownPeers'
    | 'hasGroup'
    | 'putReceipt'
    | 'receipts',
    StatementSync
  >
  private closed = false

  static open(file: string, options: SqliteStoreOptions = {}): SqliteStore {
    const list = options.migrations ?? schemaMigrations
    checkMigrationList(list)
    if (options.mustExist && !fs.existsSync(file)) {
      throw new StorageFailure('missing', `${file} is not there (was the drive removed?).`)
    }
    let db: DatabaseSync
    try {
      db = new DatabaseSync(file, {
        enableForeignKeyConstraints: true,
        timeout: options.busyTimeoutMs ?? 5000,
      })
    } catch (err) {
      throw toStorageError(err, file, 'opening it')
    }
    try {
      // The version is read before anything is written, so a database from a newer Hearth, or a
      // file that is not a database at all, is left exactly as it was.
      const version = readUserVersion(db)
      if (version > list.length) {
        throw new HearthError(
          'STORAGE_FAILED',
          `${file} was written by a newer version of Hearth (schema ${version}; this version knows up to ${list.length}). Update Hearth to open it; nothing was changed.`,
        )
      }
      db.exec('PRAGMA journal_mode = WAL')
      db.exec('PRAGMA synchronous = FULL')
      db.exec('PRAGMA foreign_keys = ON')
      capSize(db, options.maxBytes ?? FAT_MAX_FILE_BYTES)
      migrate(db, file, list)
      return new SqliteStore(db, file)
    } catch (err) {
      closeQuietly(db, file)
      throw toStorageError(err, file, 'opening it')
    }
  }

  private constructor(db: DatabaseSync, file: string) {
    this.db = db
    this.file = file
    this.sql = {
      listGroups: db.prepare(
        'SELECT group_id, joined_at FROM groups ORDER BY joined_at ASC, group_id ASC',
      ),
      addGroup: db.prepare(
        'INSERT INTO groups (group_id, joined_at) VALUES (?, ?) ON CONFLICT (group_id) DO NOTHING',
      ),
      removeGroup: db.prepare('DELETE FROM groups WHERE group_id = ?'),
      bumpSeq: db.prepare(
        'UPDATE groups SET last_seq = last_seq + 1 WHERE group_id = ? RETURNING last_seq',
      ),
      insertUpdate: db.prepare('INSERT INTO updates (group_id, seq, data) VALUES (?, ?, ?)'),
      loadSnapshot: db.prepare('SELECT data FROM snapshots WHERE group_id = ?'),
      loadUpdates: db.prepare('SELECT data FROM updates WHERE group_id = ? ORDER BY seq ASC'),
      groupSeqs: db.prepare(
        `SELECT g.last_seq, coalesce(s.upto_seq, 0) AS snapshot_seq
         FROM groups g LEFT JOIN snapshots s ON s.group_id = g.group_id
         WHERE g.group_id = ?`,
      ),
      putSnapshot: db.prepare(
        `INSERT INTO snapshots (group_id, upto_seq, data) VALUES (?, ?, ?)
         ON CONFLICT (group_id) DO UPDATE SET upto_seq = excluded.upto_seq, data = excluded.data`,
      ),
      deleteUpdatesUpTo: db.prepare('DELETE FROM updates WHERE group_id = ? AND seq <= ?'),
      lastSeq: db.prepare('SELECT last_seq FROM groups WHERE group_id = ?'),
      getSetting: db.prepare('SELECT value FROM settings WHERE key = ?'),
      setSetting: db.prepare(
        'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      settingKeys: db.prepare('SELECT key FROM settings ORDER BY key'),
      putPeer: db.prepare(
        `INSERT INTO peers (peer_id, addrs, seen_at) VALUES (?, ?, ?)
         ON CONFLICT (peer_id) DO UPDATE SET addrs = excluded.addrs, seen_at = excluded.seen_at`,
      ),
      knownPeers: db.prepare(
        'SELECT peer_id, addrs, seen_at FROM peers ORDER BY seen_at DESC, peer_id ASC',
      ),
      hasGroup: db.prepare('SELECT 1 AS one FROM groups WHERE group_id = ?'),
      putReceipt: db.prepare(
        `INSERT INTO receipts (group_id, reader, ts, message_id, sig) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (group_id, reader) DO UPDATE
         SET ts = excluded.ts, message_id = excluded.message_id, sig = excluded.sig`,
      ),
      receipts: db.prepare(
        'SELECT reader, ts, message_id, sig FROM receipts WHERE group_id = ? ORDER BY reader ASC',
      ),
    }
  }

  listGroups(): StoredGroup[] {
    return this.run('listing groups', () =>
      this.sql.listGroups.all().map((row) => ({
        groupId: this.text(row, 'group_id'),
        joinedAt: this.int(row, 'joined_at'),
      })),
    )
  }

  addGroup(groupId: string, joinedAt: number): void {
    checkId('group id', groupId)
    checkTime('join time', joinedAt)
    this.run('adding a group', () => this.sql.addGroup.run(groupId, joinedAt))
  }

  removeGroup(groupId: string): void {
    // The foreign keys cascade, so the group's updates and snapshot go in the same statement.
    this.run('removing a group', () => this.sql.removeGroup.run(groupId))
  }

  appendUpdate(groupId: string, update: Uint8Array, options: AppendOptions = {}): number {
    checkBytes('update', update)
    const append = () =>
      this.transaction('storing an update', () => {
        const row = this.sql.bumpSeq.get(groupId)
        if (!row) throw groupNotFound(groupId)
        const seq = this.int(row, 'last_seq')
        this.sql.insertUpdate.run(groupId, seq, update)
        return seq
      })
    if (options.durable !== false) return append()
    // In WAL mode, NORMAL commits without an fsync: the frames reach the WAL file (so a killed
    // process loses nothing), and the next FULL commit's fsync covers them along with its own.
    this.run('storing an update', () => this.db.exec('PRAGMA synchronous = NORMAL'))
    try {
      return append()
    } finally {
      this.run('storing an update', () => this.db.exec('PRAGMA synchronous = FULL'))
    }
  }

  loadUpdates(groupId: string): Uint8Array[] {
    // One read transaction, so a snapshot and the rows after it are from the same moment.
    return this.transaction(
      'loading updates',
      () => {
        const snapshot = this.sql.loadSnapshot.get(groupId)
        const rows = this.sql.loadUpdates.all(groupId).map((row) => this.bytes(row, 'data'))
        return snapshot ? [this.bytes(snapshot, 'data'), ...rows] : rows
      },
      'BEGIN DEFERRED',
    )
  }

  updateCount(groupId: string): number {
    // Rows are only ever appended at last_seq and deleted up to a snapshot's upto_seq, so this is
    // their number. Counting them instead compares every row's key, which for the WITHOUT ROWID
    // table means reading every row's blob: ~30 ms for one 36 MB catch-up row.
    return this.run('counting updates', () => {
      const row = this.sql.groupSeqs.get(groupId)
      return row ? this.int(row, 'last_seq') - this.int(row, 'snapshot_seq') : 0
    })
  }

  compact(groupId: string, snapshot: Uint8Array, uptoSeq: number): void {
    checkBytes('snapshot', snapshot)
    this.transaction('compacting a group', () => {
      const row = this.sql.groupSeqs.get(groupId)
      if (!row) throw groupNotFound(groupId)
      checkCompactionPoint(uptoSeq, this.int(row, 'snapshot_seq'), this.int(row, 'last_seq'))
      this.sql.putSnapshot.run(groupId, uptoSeq, snapshot)
      this.sql.deleteUpdatesUpTo.run(groupId, uptoSeq)
    })
  }

  lastSeq(groupId: string): number {
    return this.run('reading the last sequence number', () => {
      const row = this.sql.lastSeq.get(groupId)
      return row ? this.int(row, 'last_seq') : 0
    })
  }

  getSetting(key: string): string | undefined {
    return this.run('reading a setting', () => {
      const row = this.sql.getSetting.get(key)
      return row ? this.text(row, 'value') : undefined
    })
  }

  setSetting(key: string, value: string): void {
    checkId('setting name', key)
    checkText('setting value', value)
    this.run('saving a setting', () => this.sql.setSetting.run(key, value))
  }

  /** Every setting's name (not in the Store interface: copying a whole store needs it). */
  settingKeys(): string[] {
    return this.run('listing settings', () =>
      this.sql.settingKeys.all().map((row) => this.text(row, 'key')),
    )
  }

  rememberPeer(peerId: string, addrs: string[], seenAt: number): void {
    checkId('peer id', peerId)
    checkTime('time the peer was seen', seenAt)
    const json = JSON.stringify(uniqueAddrs(addrs))
    this.run('remembering a peer', () => this.sql.putPeer.run(peerId, json, seenAt))
  }

  knownPeers(): KnownPeer[] {
    return this.run('listing known peers', () =>
      this.sql.knownPeers.all().map((row) => ({
        peerId: this.text(row, 'peer_id'),
        addrs: this.addrs(row),
        seenAt: this.int(row, 'seen_at'),
      })),
    )
  }

  putReceipts(groupId: string, receipts: StoredReceipt[]): void {
    checkReceipts(receipts)
    this.transaction('storing receipts', () => {
      if (!this.sql.hasGroup.get(groupId)) throw groupNotFound(groupId)
      for (const r of receipts) {
        this.sql.putReceipt.run(groupId, r.reader, r.ts, r.messageId, r.sig)
      }
    })
  }

  receipts(groupId: string): StoredReceipt[] {
    return this.run('listing receipts', () =>
      this.sql.receipts.all(groupId).map((row) => ({
        reader: this.text(row, 'reader'),
        ts: this.int(row, 'ts'),
        messageId: this.text(row, 'message_id'),
        sig: this.text(row, 'sig'),
      })),
    )
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    try {
      this.db.close()
    } catch (err) {
      throw toStorageError(err, this.file, 'closing it')
    }
  }

  /** A single statement: sqlite runs it atomically on its own. */
  private run<T>(doing: string, fn: () => T): T {
    if (this.closed) throw storeClosed()
    try {
      return fn()
    } catch (err) {
      throw toStorageError(err, this.file, doing)
    }
  }

  /** Several statements as one transaction; IMMEDIATE takes the write lock before reading. */
  private transaction<T>(doing: string, fn: () => T, begin = 'BEGIN IMMEDIATE'): T {
    return this.run(doing, () => {
      this.db.exec(begin)
      try {
        const result = fn()
        this.db.exec('COMMIT')
        return result
      } catch (err) {
        this.rollback(doing)
        throw err
      }
    })
  }

  private rollback(doing: string): void {
    // A failed COMMIT (disk full) can leave the transaction open; a failed statement may not.
    if (!this.db.isTransaction) return
    try {
      this.db.exec('ROLLBACK')
    } catch (err) {
      console.error(`storage: rollback after ${doing} failed in ${this.file}:`, err)
    }
  }

  private int(row: Row, column: string): number {
    const value = row[column]
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw damaged(this.file, column)
    return value
  }

  private text(row: Row, column: string): string {
    const value = row[column]
    if (typeof value !== 'string') throw damaged(this.file, column)
    return value
  }

  private bytes(row: Row, column: string): Uint8Array {
    const value = row[column]
    if (!(value instanceof Uint8Array)) throw damaged(this.file, column)
    return value
  }

  private addrs(row: Row): string[] {
    const raw = this.text(row, 'addrs')
    let parsed: unknown
    try {
      parsed = JSON.parse(raw)
    } catch (err) {
      throw damaged(this.file, `addrs (${err instanceof Error ? err.message : String(err)})`)
    }
    if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
      throw damaged(this.file, 'addrs')
    }
    return parsed
  }
}

function migrate(db: DatabaseSync, file: string, list: readonly Migration[]): void {
  const current = readUserVersion(db)
  for (const step of list.filter((m) => m.version > current)) {
    const doing = `upgrading it to schema ${step.version} (${step.description}), which was undone`
    db.exec('BEGIN IMMEDIATE')
    try {
      // Read again under the write lock: another process may have run this step meanwhile.
      if (readUserVersion(db) < step.version) {
        db.exec(step.sql)
        db.exec(`PRAGMA user_version = ${step.version}`)
      }
      db.exec('COMMIT')
    } catch (err) {
      if (db.isTransaction) db.exec('ROLLBACK')
      throw toStorageError(err, file, doing)
    }
  }
}

/** The page limit holds for this connection only, so it is set at every open. */
function capSize(db: DatabaseSync, maxBytes: number): void {
  const pageSize = (db.prepare('PRAGMA page_size').get() as Row | undefined)?.page_size
  if (typeof pageSize !== 'number' || pageSize <= 0) throw new Error('PRAGMA page_size failed')
  db.exec(`PRAGMA max_page_count = ${Math.max(1, Math.floor(maxBytes / pageSize))}`)
}

function closeQuietly(db: DatabaseSync, file: string): void {
  try {
    db.close()
  } catch (err) {
    console.error(`storage: closing ${file} after a failed open also failed:`, err)
  }
}
