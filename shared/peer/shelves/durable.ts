// Crash-safe file writes: data goes to a fresh temp file (O_EXCL, so a planted symlink is never
// followed), is fsynced, then renamed into place, then the folder is fsynced so the new name
// survives power loss too. A reader therefore sees either no file or the whole file. Writes that
// share a FolderSyncs fsync each folder once per round instead of once per file (group commit).
import { randomBytes } from 'node:crypto'
import { link, lstat, mkdir, open, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import type { Stats } from 'node:fs'
import type { FileHandle } from 'node:fs/promises'
import { HearthError } from '../../api/index.ts'

/** An unguessable temp name: a crash leaves only names the owner can recognise and remove. */
export function tempName(suffix = '.tmp'): string {
  return `${randomBytes(12).toString('hex')}${suffix}`
}

/** Error codes meaning "this file system cannot fsync a folder", not "the write failed". */
const DIR_SYNC_UNSUPPORTED = new Set(['EINVAL', 'ENOTSUP', 'EISDIR', 'EPERM', 'EBADF'])

/**
 * Makes a rename or create inside `dir` durable. Windows cannot open a folder for fsync (NTFS
 * journals the rename), and some file systems (FAT on some kernels, FUSE) refuse it.
 */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return
  let handle: FileHandle
  try {
    handle = await open(dir, 'r')
  } catch (err) {
    if (hasCode(err, DIR_SYNC_UNSUPPORTED)) return
    throw err
  }
  try {
    await handle.sync()
  } catch (err) {
    if (!hasCode(err, DIR_SYNC_UNSUPPORTED)) throw err
  } finally {
    await handle.close()
  }
}

/** Creates `dir` (and parents, private to this user); fsyncs the parent of each one created. */
export async function ensureDir(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true, mode: 0o700 })
  if (first === undefined) return
  // Everything from `first` down to `dir` is new: each one's parent must record its name.
  for (let d = dir; ; d = path.dirname(d)) {
    await fsyncDir(path.dirname(d))
    if (d === first || path.dirname(d) === d) break
  }
}

/**
 * Group commit for the folder fsyncs of many small durable writes (the blob store's chunk
 * files). A write whose file is renamed into place joins the next round; a round fsyncs every
 * folder its writes touched, once each and all at once (one journal commit on ext4 usually
 * carries them all), and each write resolves only after its round. While a round runs the next
 * one gathers, so under load a round covers many files and an idle store waits for nobody.
 * It also remembers which folders exist, so a write does not ask the file system every time.
 */
export class FolderSyncs {
  readonly #fsync: (dir: string) => Promise<void>
  readonly #known = new Set<string>()
  #pending = new Set<string>()
  #next: Round | null = null
  #running = false

  /** `fsync` is for tests, which count the calls. */
  constructor(fsync: (dir: string) => Promise<void> = fsyncDir) {
    this.#fsync = fsync
  }

  /** Creates `dir` unless this instance saw it already. */
  async ensure(dir: string): Promise<void> {
    if (this.#known.has(dir)) return
    await ensureDir(dir)
    this.#known.add(dir)
  }

  /** `dir` was found missing after all (a folder replaced under us): ensure() checks again. */
  forget(dir: string): void {
    this.#known.delete(dir)
  }

  /** Resolves once `dir` has been fsynced after this call (by a round that started after it). */
  sync(dir: string): Promise<void> {
    this.#pending.add(dir)
    this.#next ??= newRound()
    const done = this.#next.promise
    if (!this.#running) void this.#round()
    return done
  }

  async #round(): Promise<void> {
    this.#running = true
    while (this.#next !== null) {
      const dirs = this.#pending
      const done = this.#next
      this.#pending = new Set()
      this.#next = null
      try {
        await Promise.all([...dirs].map((dir) => this.#fsync(dir)))
        done.resolve()
      } catch (err) {
        done.reject(err)
      }
    }
    this.#running = false
  }
}

interface Round {
  promise: Promise<void>
  resolve(): void
  reject(err: unknown): void
}

function newRound(): Round {
  let resolve = (): void => {}
  let reject = (_err: unknown): void => {}
  const promise = new Promise<void>((res, rej) => {
    resolve = res
    reject = rej
  })
  return { promise, resolve, reject }
}

export interface DurableWriteOptions {
  /** Shares folder creation checks and folder fsyncs with other writes (see FolderSyncs). */
  folders?: FolderSyncs
  /**
   * Called once `data` has been handed to the file system (before the fsyncs): the caller may
   * reuse or drop its bytes from then on, while the write goes on to become durable.
   */
  onWritten?(): void
}

/**
 * Writes `data` to `finalPath` through a temp file in `tmpDir` (same file system). The file is
 * readable by this user only: it is group content, however the data folder was created.
 * Resolves once the bytes and the name are both durable.
 */
export async function writeFileDurably(
  tmpDir: string,
  finalPath: string,
  data: Uint8Array,
  options: DurableWriteOptions = {},
): Promise<void> {
  const { folders, onWritten } = options
  const dir = path.dirname(finalPath)
  const tmp = path.join(tmpDir, tempName())
  const handle = await open(tmp, 'wx', 0o600)
  try {
    try {
      await handle.writeFile(data)
      onWritten?.()
      await handle.sync()
    } finally {
      await handle.close()
    }
    if (folders === undefined) await ensureDir(dir)
    else await folders.ensure(dir)
    try {
      await rename(tmp, finalPath)
    } catch (err) {
      if (folders === undefined || !hasCode(err, NOT_FOUND)) throw err
      // The folder was there when we last looked; look again once.
      folders.forget(dir)
      await folders.ensure(dir)
      await rename(tmp, finalPath)
    }
  } catch (err) {
    await removeQuietly(tmp, err)
    throw err
  }
  if (folders === undefined) await fsyncDir(dir)
  else await folders.sync(dir)
}

/**
 * Removes a temp file after `cause` made it useless. A failure to remove is added to the
 * cause's message rather than replacing it: the original error is the one worth reporting.
 */
export async function removeQuietly(file: string, cause: unknown): Promise<void> {
  try {
    await rm(file, { force: true })
  } catch (rmErr) {
    if (cause instanceof Error) {
      cause.message += ` (and removing ${file} failed: ${String(rmErr)})`
    }
  }
}

export function hasCode(err: unknown, codes: ReadonlySet<string>): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    'code' in err &&
    typeof err.code === 'string' &&
    codes.has(err.code)
  )
}

const NOT_FOUND = new Set(['ENOENT', 'ENOTDIR'])
/** link() is not available on this file system (FAT32, exFAT, some network shares). */
const NO_HARD_LINKS = new Set(['EPERM', 'ENOTSUP', 'ENOSYS', 'EOPNOTSUPP', 'EXDEV', 'EMLINK'])

/** The entry's own stats (a symlink is not followed), or null when nothing is there. */
export async function lstatOrNull(file: string): Promise<Stats | null> {
  try {
    return await lstat(file)
  } catch (err) {
    if (hasCode(err, NOT_FOUND)) return null
    throw err
  }
}

/**
 * Moves the finished temp file to `dest`. Without overwrite, a hard link claims the name
 * atomically (it fails if anything appeared there meanwhile); file systems without hard links
 * fall back to a re-check and a rename.
 */
export async function placeFile(tmp: string, dest: string, overwrite: boolean): Promise<void> {
  if (overwrite) {
    await rename(tmp, dest)
    return
  }
  try {
    await link(tmp, dest)
  } catch (err) {
    if (hasCode(err, new Set(['EEXIST']))) {
      throw new HearthError('BAD_INPUT', `${dest} already exists`)
    }
    if (!hasCode(err, NO_HARD_LINKS)) throw err
    if ((await lstatOrNull(dest)) !== null) {
      throw new HearthError('BAD_INPUT', `${dest} already exists`)
    }
    await rename(tmp, dest)
    return
  }
  await rm(tmp)
}

/** Reads until `buffer` is full or the file ends; returns how many bytes were read. */
export async function readFull(
  handle: FileHandle,
  buffer: Buffer,
  position: number,
): Promise<number> {
  let filled = 0
  while (filled < buffer.length) {
    const { bytesRead } = await handle.read(
      buffer,
      filled,
      buffer.length - filled,
      position + filled,
    )
    if (bytesRead === 0) break
    filled += bytesRead
  }
  return filled
}
