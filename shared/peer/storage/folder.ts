// Watches the data folder under an open store: is it still there, still the same files, writable,
// with room? sqlite keeps its files open, and an open file can outlive its folder (a drive
// detached lazily, a mount swapped underneath), so the store alone would keep "succeeding" into a
// folder nobody can see. A few system calls answer; the guard asks before every write.
import fs from 'node:fs'
import path from 'node:path'
import { problemOfFsError, StorageFailure } from './failure.ts'

/**
 * Below this much free space writes are refused up front, before anything is applied or sent:
 * sqlite needs a few pages per commit and more to compact, and a refusal then is cleaner than a
 * write that fails halfway.
 */
export const MIN_FREE_BYTES = 1024 * 1024

export interface FolderWatch {
  /** Remembers which files the store just opened. */
  capture(): void
  /** Throws a StorageFailure unless the captured files are still there, writable, with room. */
  check(): void
  /** Throws a StorageFailure unless the folder is back: there, ours, writable, with room. */
  checkBack(): void
}

export class DataFolder implements FolderWatch {
  readonly dir: string
  readonly #database: string
  readonly #keyFile: string | undefined
  readonly #key: Buffer | undefined
  #identity: { dev: number; ino: number } | undefined

  /**
   * `keyFile` is the device key beside the database: a folder that comes back holding another
   * key is another person's data, never written to as ours.
   */
  constructor(dir: string, databaseFile: string, keyFile?: string) {
    this.dir = dir
    this.#database = path.join(dir, databaseFile)
    if (keyFile !== undefined && fs.existsSync(path.join(dir, keyFile))) {
      this.#keyFile = path.join(dir, keyFile)
      this.#key = fs.readFileSync(this.#keyFile)
    }
  }

  capture(): void {
    const st = this.#stat()
    this.#identity = { dev: st.dev, ino: st.ino }
  }

  check(): void {
    const st = this.#stat()
    if (this.#identity && (st.dev !== this.#identity.dev || st.ino !== this.#identity.ino)) {
      // Same path, other file: the drive was detached and something else (or it again, under a
      // new mount) is there now. Reopening decides which.
      throw new StorageFailure('missing', `${this.#database} is no longer the file Hearth opened.`)
    }
    this.#writableWithRoom()
  }

  checkBack(): void {
    this.#stat()
    if (this.#keyFile !== undefined && this.#key !== undefined) {
      let key: Buffer
      try {
        key = fs.readFileSync(this.#keyFile)
      } catch (err) {
        throw new StorageFailure(problemOfFsError(err), `${this.#keyFile}: ${String(err)}`)
      }
      if (!key.equals(this.#key)) {
        throw new StorageFailure(
          'missing',
          `${this.dir} now holds another device's data; Hearth waits for its own folder.`,
        )
      }
    }
    this.#writableWithRoom()
  }

  #stat(): fs.Stats {
    try {
      return fs.statSync(this.#database)
    } catch (err) {
      throw new StorageFailure(problemOfFsError(err), `${this.#database}: ${String(err)}`)
    }
  }

  #writableWithRoom(): void {
    try {
      fs.accessSync(this.#database, fs.constants.W_OK)
    } catch (err) {
      // A read-only mount answers EROFS, a write-protected file EACCES or EPERM.
      throw new StorageFailure(problemOfFsError(err), `${this.#database}: ${String(err)}`)
    }
    let free: number
    try {
      const st = fs.statfsSync(this.dir)
      free = st.bavail * st.bsize
    } catch (err) {
      // Some file systems (network shares) cannot say; the writes themselves will tell.
      if ((err as NodeJS.ErrnoException).code === 'ENOSYS') return
      throw new StorageFailure(problemOfFsError(err), `${this.dir}: ${String(err)}`)
    }
    if (free < MIN_FREE_BYTES) {
      throw new StorageFailure('disk-full', `${this.dir} has ${free} bytes free.`)
    }
  }
}
