// Crash-safe file writes: data goes to a fresh temp file (O_EXCL, so a planted symlink is never
// followed), is fsynced, then renamed into place, then the folder is fsynced so the new name
// survives power loss too. A reader therefore sees either no file or the whole file.
import { randomBytes } from 'node:crypto'
import { mkdir, open, rename, rm } from 'node:fs/promises'
import path from 'node:path'
import type { FileHandle } from 'node:fs/promises'

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
 * Writes `data` to `finalPath` through a temp file in `tmpDir` (same file system). The file is
 * readable by this user only: it is group content, however the data folder was created.
 */
export async function writeFileDurably(
  tmpDir: string,
  finalPath: string,
  data: Uint8Array,
): Promise<void> {
  const tmp = path.join(tmpDir, tempName())
  const handle = await open(tmp, 'wx', 0o600)
  try {
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    await ensureDir(path.dirname(finalPath))
    await rename(tmp, finalPath)
  } catch (err) {
    await removeQuietly(tmp, err)
    throw err
  }
  await fsyncDir(path.dirname(finalPath))
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
