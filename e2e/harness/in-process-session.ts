// The UI's Session against a real peer in this process, over the same RPC layer the browser uses
// but through an in-memory channel: what the renderer's unit and component tests run against.
import type { Peer } from '../../shared/peer/peer.ts'
import { memoryChannelPair } from '../../shared/rpc/channel.ts'
import { createClient } from '../../shared/rpc/client.ts'
import { serveApi } from '../../shared/rpc/server.ts'
import { Session, type Prefs, type SessionSnapshot } from '../../renderer/state/session.ts'

export function memoryPrefs(): Prefs & { map: Map<string, string> } {
  const map = new Map<string, string>()
  return { map, get: (k) => map.get(k) ?? null, set: (k, v) => void map.set(k, v) }
}

export async function openSession(peer: Peer): Promise<Session> {
  const [clientSide, peerSide] = memoryChannelPair()
  serveApi(peerSide, peer.handlers, peer.events.subscribe)
  return Session.open(createClient(clientSide), { schedule: queueMicrotask })
}

/** Resolves once the session's snapshot satisfies `check`; re-checked on every change. */
export function until(
  session: Session,
  what: string,
  check: (s: SessionSnapshot) => boolean,
): Promise<SessionSnapshot> {
  return new Promise((resolve, reject) => {
    const done = () => {
      const snapshot = session.getSnapshot()
      if (!check(snapshot)) return false
      off()
      clearTimeout(timer)
      resolve(snapshot)
      return true
    }
    // A safety net so a broken feature fails with its name instead of hanging the run.
    const timer = setTimeout(() => {
      off()
      reject(new Error(`timed out waiting until ${what}`))
    }, 20_000)
    const off = session.subscribe(() => void done())
    done()
  })
}
