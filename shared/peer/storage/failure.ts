// A failure of the medium (disk full, read-only, gone, I/O error) as opposed to a refused argument:
// the code stays STORAGE_FAILED from the contract, and `problem` says which of the four it is, so
// the guard over the store (guarded.ts) can tell people the right sentence and know what to wait for.
import { HearthError, type StorageProblem } from '../../api/index.ts'

export class StorageFailure extends HearthError {
  readonly problem: StorageProblem
  constructor(problem: StorageProblem, message: string) {
    super('STORAGE_FAILED', message)
    this.name = 'StorageFailure'
    this.problem = problem
  }
}

// What the operating system says when a file operation fails, by problem. EPERM and EACCES are
// what Windows and some FAT drivers answer for a write-protected or read-only medium.
const BY_ERRNO: Record<string, StorageProblem> = {
  ENOSPC: 'disk-full',
  EDQUOT: 'disk-full',
  EROFS: 'read-only',
  EACCES: 'read-only',
  EPERM: 'read-only',
  ENOENT: 'missing',
  ENOTDIR: 'missing',
  ENODEV: 'missing',
  ENXIO: 'missing',
  ESTALE: 'missing',
}

/** The problem an error from node:fs stands for; anything unrecognised (EIO…) is 'failed'. */
export function problemOfFsError(err: unknown): StorageProblem {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return (code !== undefined && BY_ERRNO[code]) || 'failed'
}

/** The one sentence a refused write answers with (English; the UI words each problem itself). */
export function refusal(problem: StorageProblem): string {
  switch (problem) {
    case 'disk-full':
      return "The disk holding Hearth's data folder is full, so nothing new is saved or sent; free some space and Hearth carries on by itself."
    case 'read-only':
      return "Hearth's data folder has become read-only, so nothing new is saved or sent until it can be written again."
    case 'missing':
      return "Hearth's data folder is gone (was the drive removed?), so nothing new is saved or sent until it is back."
    case 'failed':
      return 'Hearth cannot write to its data folder right now, so nothing new is saved or sent; it keeps trying.'
  }
}

/** A single write into the data folder that failed (a shelf file's chunk, say), in one sentence. */
export function writeFailure(what: string, err: unknown): StorageFailure {
  const problem = problemOfFsError(err)
  const why = err instanceof Error ? err.message : String(err)
  const sentence = {
    'disk-full': "There is not enough free space in Hearth's data folder to store this.",
    'read-only': "Hearth's data folder is read-only, so this could not be stored.",
    missing: "Hearth's data folder is gone (was the drive removed?), so this could not be stored.",
    failed: "This could not be stored in Hearth's data folder.",
  }[problem]
  return new StorageFailure(problem, `${sentence} (${what}: ${why})`)
}

export function isStorageFailure(err: unknown): err is StorageFailure {
  return err instanceof StorageFailure
}
