// Portable mode's names, shared by the `hearth` command and the desktop app so both find the same
// folder. A program is portable when a file `hearth-portable` or a folder `HearthData` sits beside
// it (or when asked with --portable); then everything it writes goes under that `HearthData`.
// Nothing stored refers to the folder by its absolute path, so a stick that comes up as another
// drive letter or mount point works the same.
import fs from 'node:fs'
import path from 'node:path'

/** The marker file the portable zip ships beside the executable. */
export const PORTABLE_MARKER = 'hearth-portable'
/** The one folder a portable Hearth writes to, beside the executable. */
export const PORTABLE_DATA_DIR = 'HearthData'
/** Temp files of a portable run, inside HearthData; emptied at start and at exit. */
export const PORTABLE_TEMP_DIR = 'tmp'

/** What the checks need of the file system (tests pass a fake). */
export interface PathProbe {
  isFile(p: string): boolean
  isDirectory(p: string): boolean
}

export const realProbe: PathProbe = {
  isFile: (p) => statOrUndefined(p)?.isFile() ?? false,
  isDirectory: (p) => statOrUndefined(p)?.isDirectory() ?? false,
}

function statOrUndefined(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** True when `programDir` carries the marker file or already holds a HearthData folder. */
export function isMarkedPortable(programDir: string, probe: PathProbe = realProbe): boolean {
  return (
    probe.isFile(path.join(programDir, PORTABLE_MARKER)) ||
    probe.isDirectory(path.join(programDir, PORTABLE_DATA_DIR))
  )
}

export function portableDataDir(programDir: string): string {
  return path.join(path.resolve(programDir), PORTABLE_DATA_DIR)
}

/**
 * Creates `dir` unless it exists, never its parents: when a stick is gone, its mount point may
 * still be an empty folder on the host, and recreating the path would write there.
 */
export function ensureFolder(dir: string): void {
  try {
    fs.mkdirSync(dir, { mode: 0o700 })
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
}

/**
 * Creates (or empties) HearthData/tmp and returns it. The data folder must exist already: a
 * missing one means the stick is gone, and creating it again would write to the host.
 */
export function preparePortableTemp(dataDir: string): string {
  const dir = path.join(dataDir, PORTABLE_TEMP_DIR)
  fs.rmSync(dir, { recursive: true, force: true })
  fs.mkdirSync(dir, { mode: 0o700 })
  return dir
}

/** The variables Node, Chromium and most libraries read for their temp folder. */
export function tempEnv(tempDir: string): Record<'TMPDIR' | 'TMP' | 'TEMP', string> {
  return { TMPDIR: tempDir, TMP: tempDir, TEMP: tempDir }
}
