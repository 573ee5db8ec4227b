// Every test gets its own folders under the OS temp dir, and removes them when it ends.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

export type TempDirs = {
  /** A new empty folder (mode 0700) named after `label`. */
  make(label: string): string
  /** Removes every folder made so far; safe to call more than once. */
  removeAll(): void
}

export function tempDirs(): TempDirs {
  const made: string[] = []
  return {
    make(label) {
      const safeLabel = label.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 40)
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hearth-${safeLabel}-`))
      made.push(dir)
      return dir
    },
    removeAll() {
      for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
