// How a helper starts a process. Swapping it is how the same helper runs a command on this
// machine or inside a LAN host's network namespace (see Lan.spawner in netns.ts).
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'

export type Spawner = (
  command: string,
  args: readonly string[],
  options: SpawnOptions,
) => ChildProcess

export const localSpawner: Spawner = (command, args, options) => spawn(command, args, options)

export type Exit = { code: number | null; signal: NodeJS.Signals | null }

/** Resolves when the process has exited (at once if it already has). */
export function exited(child: ChildProcess): Promise<Exit> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode })
  }
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
    // A process that never started emits 'error' and no 'exit'; it is not running either way,
    // and whoever spawned it reports the error itself.
    child.once('error', () => {
      if (child.pid === undefined) resolve({ code: null, signal: null })
    })
  })
}
