// Hands each component the shelf state of the session it runs in; one Shelves per session.
import { useSyncExternalStore } from 'react'
import type { Session } from './session.ts'
import { useSession } from './session-context.tsx'
import { Shelves, type GroupShelf } from './shelves.ts'

const bySession = new WeakMap<Session, Shelves>()

export function shelvesFor(session: Session): Shelves {
  let shelves = bySession.get(session)
  if (shelves === undefined) {
    shelves = new Shelves(session.client)
    bySession.set(session, shelves)
  }
  return shelves
}

export function useShelves(): Shelves {
  return shelvesFor(useSession())
}

export function useShelf(groupId: string): GroupShelf {
  const shelves = useShelves()
  const get = () => shelves.shelf(groupId)
  // The third argument lets component tests render to a string (react-dom/server).
  return useSyncExternalStore(shelves.subscribe, get, get)
}
