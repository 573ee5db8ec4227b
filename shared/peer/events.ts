import type { EventName, EventPayload } from '../api/contract.ts'
import type { Subscribe } from '../rpc/server.ts'

type Listener = <K extends EventName>(name: K, payload: EventPayload<K>) => void

/** The peer's outgoing contract events, fanned out to every connected client. */
export class PeerEvents {
  private readonly listeners = new Set<Listener>()

  emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(name, payload)
      } catch (err) {
        // One broken client must not stop the others from hearing about the event.
        console.error(`hearth: an event listener failed on ${name}:`, err)
      }
    }
  }

  readonly subscribe: Subscribe = (emit) => {
    const listener: Listener = (name, payload) => emit(name, payload)
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Resolves with the first payload of `name` that matches (tests and join flows wait on it). */
  next<K extends EventName>(
    name: K,
    match: (payload: EventPayload<K>) => boolean = () => true,
  ): Promise<EventPayload<K>> {
    return new Promise((resolve) => {
      const listener: Listener = (n, payload) => {
        if ((n as EventName) !== name) return
        const p = payload as unknown as EventPayload<K>
        if (!match(p)) return
        this.listeners.delete(listener)
        resolve(p)
      }
      this.listeners.add(listener)
    })
  }
}
