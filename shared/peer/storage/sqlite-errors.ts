// Turns what node:sqlite throws into one sentence a person can act on, with the STORAGE_FAILED code
// from the contract and the kind of problem it is. The raw sqlite text is kept at the end for the
// logs.
import { HearthError, type StorageProblem } from '../../api/index.ts'
import { problemOfFsError, StorageFailure } from './failure.ts'

// Primary result codes from https://www.sqlite.org/rescode.html; extended codes carry them in the
// low byte.
const SQLITE_BUSY = 5
const SQLITE_LOCKED = 6
const SQLITE_NOMEM = 7
const SQLITE_READONLY = 8
const SQLITE_IOERR = 10
const SQLITE_CORRUPT = 11
const SQLITE_FULL = 13
const SQLITE_CANTOPEN = 14
const SQLITE_NOTADB = 26

interface SqliteErrorShape {
  errcode: number
  errstr?: string
  message: string
}

function isSqliteError(err: unknown): err is SqliteErrorShape {
  return (
    err instanceof Error &&
    (err as { code?: unknown }).code === 'ERR_SQLITE_ERROR' &&
    typeof (err as { errcode?: unknown }).errcode === 'number'
  )
}

function sentence(primary: number, file: string): string {
  switch (primary) {
    case SQLITE_FULL:
      return `The disk holding ${file} is full; free some space and try again.`
    case SQLITE_READONLY:
      return `${file} cannot be written (read-only file or disk).`
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return `${file} is damaged or is not a Hearth database; restore it from a backup or move it away to start afresh.`
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return `${file} is in use by another process (is another Hearth running on this data folder?).`
    case SQLITE_CANTOPEN:
      return `${file} cannot be opened; check that its folder exists and is writable.`
    case SQLITE_IOERR:
      return `Reading or writing ${file} failed (was the disk removed?).`
    case SQLITE_NOMEM:
      return `Out of memory while using ${file}.`
    default:
      return `The database ${file} failed.`
  }
}

function problem(primary: number): StorageProblem {
  switch (primary) {
    case SQLITE_FULL:
      return 'disk-full'
    case SQLITE_READONLY:
      return 'read-only'
    case SQLITE_CANTOPEN:
      return 'missing'
    default:
      return 'failed'
  }
}

/**
 * Wraps any error from node:sqlite (or node:fs) in a StorageFailure; a HearthError passes through
 * unchanged, so refused arguments stay what they are.
 */
export function toStorageError(err: unknown, file: string, doing: string): HearthError {
  if (err instanceof HearthError) return err
  if (isSqliteError(err)) {
    const detail = err.message || err.errstr || `sqlite error ${err.errcode}`
    const primary = err.errcode & 0xff
    return new StorageFailure(
      problem(primary),
      `${sentence(primary, file)} (while ${doing}: ${detail})`,
    )
  }
  const detail = err instanceof Error ? err.message : String(err)
  return new StorageFailure(
    problemOfFsError(err),
    `The database ${file} failed while ${doing}: ${detail}`,
  )
}
