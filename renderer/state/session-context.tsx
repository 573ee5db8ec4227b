// Hands the session to components; they re-render when its snapshot changes.
import { createContext, useContext, useSyncExternalStore } from 'react'
import type { Session, SessionSnapshot } from './session.ts'

export const SessionContext = createContext<Session | null>(null)

export function useSession(): Session {
  const session = useContext(SessionContext)
  if (session === null) throw new Error('useSession needs a SessionContext above it')
  return session
}

export function useSnapshot(): SessionSnapshot {
  const session = useSession()
  // The third argument lets component tests render to a string (react-dom/server).
  return useSyncExternalStore(session.subscribe, session.getSnapshot, session.getSnapshot)
}

/** Opens a vetted http(s) address outside the app (set from the platform at start). */
export const OpenExternalContext = createContext<(url: string) => void>(() => {
  throw new Error('OpenExternalContext is not provided')
})

export function useOpenExternal(): (url: string) => void {
  return useContext(OpenExternalContext)
}
