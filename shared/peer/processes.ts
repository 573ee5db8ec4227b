// Whether a process id belongs to a running process on this computer (for lock and api.json files
// left behind by a crash). EPERM means it runs but belongs to someone else.
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
