// One app per portable folder. Chromium's own single-instance lock (requestSingleInstanceLock)
// is a symbolic link in the profile folder on Linux and macOS, which FAT and exFAT cannot hold,
// so a portable app locks with a plain file instead: created exclusively, naming the process and
// the computer. A lock left by a crash is taken over; so is one from another computer (the stick
// moved, so that process cannot be running on it).
import fs from 'node:fs'
import path from 'node:path'
import { z } from 'zod'

export const LOCK_FILE = 'desktop.lock'

const Holder = z.object({ pid: z.number().int(), host: z.string() })
export type LockHolder = z.infer<typeof Holder>

export type LockResult =
  { acquired: true; release(): void } | { acquired: false; heldBy: LockHolder }

/** `isAlive(pid)` answers for this computer. */
export function acquireFolderLock(
  dir: string,
  me: LockHolder,
  isAlive: (pid: number) => boolean,
): LockResult {
  const file = path.join(dir, LOCK_FILE)
  const text = JSON.stringify(me)
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, text, { flag: 'wx', mode: 0o600 })
      return { acquired: true, release: () => release(file, text) }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
    const holder = readHolder(file)
    if (holder && holder.host === me.host && holder.pid !== me.pid && isAlive(holder.pid)) {
      return { acquired: false, heldBy: holder }
    }
    // Stale (a crash, another computer, our own pid from an earlier run, or unreadable):
    // remove it and try once more; if another instance wins that race, it holds the lock.
    fs.rmSync(file, { force: true })
  }
  const holder = readHolder(file)
  if (holder) return { acquired: false, heldBy: holder }
  throw new Error(`${file} could not be created`)
}

function readHolder(file: string): LockHolder | undefined {
  let text: string
  try {
    text = fs.readFileSync(file, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
  try {
    const parsed = Holder.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : undefined
  } catch {
    // Half-written by a crash: as good as no lock.
    return undefined
  }
}

function release(file: string, text: string): void {
  try {
    if (fs.readFileSync(file, 'utf8') === text) fs.rmSync(file)
  } catch (err) {
    // A stick pulled out takes the lock with it; the next start on it finds it stale.
    console.warn(`hearth: could not remove ${file}: ${String(err)}`)
  }
}
