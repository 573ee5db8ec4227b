// In-process peers for integration tests: real libp2p over TCP on 127.0.0.1, real sqlite stores
// in temp dirs, no mDNS (addresses are given), so several peers share one test process.
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { EventName, EventPayload } from '../../shared/api/contract.ts'
import { createPeer, type Peer, type PeerOptions } from '../../shared/peer/peer.ts'

export interface TestPeer {
  peer: Peer
  dataDir: string
  name: string
  restart(): Promise<TestPeer>
}

export class PeerSet {
  private readonly dirs: string[] = []
  private readonly running = new Set<Peer>()
  private readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-it-'))

  async start(
    name: string,
    options: Partial<PeerOptions> = {},
    dataDir?: string,
  ): Promise<TestPeer> {
    const dir = dataDir ?? fs.mkdtempSync(path.join(this.root, `${name}-`))
    const peer = await createPeer({
      dataDir: dir,
      name,
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
      ...options,
    })
    this.running.add(peer)
    const listen = peer.addrs().map((a) => a.replace(/\/p2p\/.*$/, ''))
    const stop = peer.stop.bind(peer)
    peer.stop = async () => {
      this.running.delete(peer)
      await stop()
    }
    return {
      peer,
      dataDir: dir,
      name,
      // Like a real machine, a restarted peer comes back on the port it had.
      restart: async () => {
        await peer.stop()
        return this.start(name, { ...options, listen }, dir)
      },
    }
  }

  async cleanup(): Promise<void> {
    await Promise.allSettled([...this.running].map((p) => p.stop()))
    fs.rmSync(this.root, { recursive: true, force: true })
  }
}

/** Resolves when `peer` emits `name` with a payload that matches. */
export function nextEvent<K extends EventName>(
  peer: Peer,
  name: K,
  match: (payload: EventPayload<K>) => boolean = () => true,
): Promise<EventPayload<K>> {
  return peer.events.next(name, match)
}

/**
 * Waits until `check` holds, re-checking whenever the peer emits any event. State in another
 * replica changes only through events, so this never polls on a timer.
 */
export async function until(
  peer: Peer,
  what: string,
  check: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let settled = false
    const attempt = () => {
      if (settled) return
      Promise.resolve(check()).then(
        (ok) => {
          if (!ok || settled) return
          settled = true
          clearTimeout(timer)
          off()
          resolve()
        },
        (err: unknown) => {
          if (settled) return
          settled = true
          clearTimeout(timer)
          off()
          reject(err instanceof Error ? err : new Error(String(err)))
        },
      )
    }
    const timer = setTimeout(() => {
      settled = true
      off()
      reject(new Error(`timed out waiting until ${what}`))
    }, timeoutMs)
    // Subscribe first, then look: an event that lands between the two cannot be missed.
    const off = peer.events.subscribe(attempt)
    attempt()
  })
}
