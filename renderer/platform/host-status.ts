// What the person is told about the desktop app's background process (the one running the peer),
// from the statuses the main process reports: nothing while all is well; that it stopped and is
// restarting (with the wait); that it runs again; that it could not be restarted. Pure.
import type { HostStatus } from './desktop-api.ts'

export type HostNotice =
  | { kind: 'restarting'; restarts: number; retryInMs: number | null }
  | { kind: 'running-again'; restarts: number }
  | { kind: 'failed'; lastError: string | null }
  | { kind: 'stopping' }

/** The notice after `status`, given the one shown before it (null: none). */
export function nextHostNotice(shown: HostNotice | null, status: HostStatus): HostNotice | null {
  switch (status.state) {
    case 'crashed':
      return { kind: 'restarting', restarts: status.restarts, retryInMs: status.retryInMs ?? null }
    case 'starting':
      // The first start of the app is nothing to mention; a start after a crash is the restart.
      return shown?.kind === 'restarting' || shown?.kind === 'failed'
        ? { kind: 'restarting', restarts: status.restarts, retryInMs: null }
        : shown
    case 'running':
      return shown?.kind === 'restarting' || shown?.kind === 'failed'
        ? { kind: 'running-again', restarts: status.restarts }
        : shown
    case 'failed':
      return { kind: 'failed', lastError: status.lastError ?? null }
    case 'stopping':
      return { kind: 'stopping' }
  }
}

/** The peer is back after the UI's channel died with it: time to connect again. */
export function reconnectsAfter(shown: HostNotice | null, next: HostNotice | null): boolean {
  return next?.kind === 'running-again' && shown?.kind !== 'running-again'
}
