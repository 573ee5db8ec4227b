// Where a shelf file is, in words a person can act on: each member's own signed word on holding a
// copy (ShelfFile.holders, offline members included), combined with who is connected right now.
import type { ShelfFile } from '../../../shared/api/index.ts'

export type Availability =
  /** Nobody says they hold a full copy (all dropped it, or it never arrived anywhere). */
  | { kind: 'nowhere' }
  /** Only this device has it. */
  | { kind: 'only-here' }
  /** One other member has it (and this device does not). */
  | { kind: 'only'; peerId: string; name: string; online: boolean }
  /** Several devices have it; `online` counts the other members among them who are connected. */
  | { kind: 'many'; count: number; online: number; here: boolean }

export function availability(
  file: Pick<ShelfFile, 'holders'>,
  me: string,
  nameOf: (peerId: string) => string,
  isConnected: (peerId: string) => boolean,
): Availability {
  const others = file.holders.filter((p) => p !== me)
  const here = others.length !== file.holders.length
  if (others.length === 0) return here ? { kind: 'only-here' } : { kind: 'nowhere' }
  const first = others[0] as string
  if (others.length === 1 && !here) {
    return { kind: 'only', peerId: first, name: nameOf(first), online: isConnected(first) }
  }
  return {
    kind: 'many',
    count: file.holders.length,
    online: others.filter(isConnected).length,
    here,
  }
}

/** Estimated seconds left at `rate` bytes a second; null while there is no rate to go by. */
export function secondsLeft(bytes: number, total: number, rate: number): number | null {
  if (rate <= 0 || bytes >= total) return null
  return Math.ceil((total - bytes) / rate)
}
