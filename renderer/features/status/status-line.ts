// What the status bar says, worked out from the peer's state. Pure, so it is tested without a DOM.
import type { Group, PeerInfo, Status } from '../../../shared/api/index.ts'

export type StatusLine =
  | { kind: 'unknown' }
  | { kind: 'no-network' }
  | { kind: 'alone' }
  | { kind: 'reachable'; reachable: number; total: number }
  | { kind: 'peers'; count: number }

function isLoopbackAddr(addr: string): boolean {
  return addr.startsWith('/ip4/127.') || addr.startsWith('/ip6/::1/') || addr === '/ip6/::1'
}

export function statusLine(
  status: Status | null,
  group: Group | undefined,
  peers: ReadonlyMap<string, PeerInfo>,
): StatusLine {
  if (status === null) return { kind: 'unknown' }
  // Listening on loopback alone means no network interface is up; a connection proves otherwise.
  if (status.connectedPeers === 0 && status.addrs.every(isLoopbackAddr)) {
    return { kind: 'no-network' }
  }
  if (group === undefined) return { kind: 'peers', count: status.connectedPeers }
  const others = group.members.filter((m) => m.peerId !== status.peerId)
  if (others.length === 0) return { kind: 'alone' }
  const reachable = others.filter((m) => peers.get(m.peerId)?.connected === true).length
  return { kind: 'reachable', reachable, total: others.length }
}

/** "/ip4/192.168.1.20/tcp/4001" → "192.168.1.20": the part a person recognises. */
export function hostOf(addr: string): string {
  const parts = addr.split('/')
  const kind = parts[1]
  if ((kind === 'ip4' || kind === 'ip6' || kind === 'dns4' || kind === 'dns6') && parts[2]) {
    return parts[2]
  }
  return addr
}
