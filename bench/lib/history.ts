// Group histories built fast: entries are written straight through GroupReplica in this process
// (signed exactly as a peer signs them), then laid down as a peer's data folder, so a benchmark
// can start a real peer that already holds 100,000 messages without sending them over the wire.
import fs from 'node:fs'
import path from 'node:path'
import { generateKeyPair, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import {
  GroupReplica,
  HybridClock,
  makeJoinRequest,
  makeSigner,
  type Signer,
} from '../../shared/peer/groups/index.ts'
import { IDENTITY_FILE } from '../../shared/peer/identity.ts'
import { openSqliteStore } from '../../shared/peer/storage/sqlite.ts'

export interface Device {
  readonly name: string
  readonly key: Ed25519PrivateKey
  readonly signer: Signer
  readonly peerId: string
}

export async function newDevice(name: string): Promise<Device> {
  const key = await generateKeyPair('Ed25519')
  const signer = makeSigner(key)
  return { name, key, signer, peerId: signer.peerId }
}

/** A group founded by `founder` with every one of `members` admitted, as the founder holds it. */
export function foundGroup(founder: Device, members: readonly Device[]): GroupReplica {
  const clock = new HybridClock(Date.now)
  const replica = GroupReplica.create('Bench', {
    signer: founder.signer,
    clock,
    memberName: founder.name,
  })
  if (members.length === 0) return replica
  const invite = replica.createInvite({
    uses: Math.max(1, members.length),
    expiresAt: Date.now() + 3600_000,
    members: [],
  })
  for (const member of members) {
    const request = makeJoinRequest(invite, member.signer, member.name, clock.tick())
    replica.admit(invite, request, member.peerId)
  }
  return replica
}

/** A chat line of realistic length (~60 bytes), unique per index. */
export function messageText(i: number): string {
  return `message ${i}: see you at the usual place after work, bring the cable`
}

/** Appends `count` messages through the founder's replica, as `messages.send` would. */
export function writeMessages(replica: GroupReplica, count: number, firstIndex = 0): void {
  for (let i = 0; i < count; i++) replica.sendMessage(messageText(firstIndex + i))
}

export interface DataDir {
  device: Device
  groupId: string
  /** The group's whole state as one update (what compaction leaves on disk). */
  state: Uint8Array
  /** Addresses the peer remembers for other members (as if it had met them before). */
  knownPeers?: { peerId: string; addrs: string[] }[]
}

/** Lays down `dir` as the data folder of a peer that holds `state`, ready for `hearth serve`. */
export function writeDataDir(dir: string, spec: DataDir): void {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 })
  fs.writeFileSync(path.join(dir, IDENTITY_FILE), privateKeyToProtobuf(spec.device.key), {
    mode: 0o600,
  })
  const store = openSqliteStore(dir)
  try {
    store.setSetting('name', spec.device.name)
    store.addGroup(spec.groupId, Date.now())
    store.appendUpdate(spec.groupId, spec.state)
    for (const known of spec.knownPeers ?? []) {
      store.rememberPeer(known.peerId, known.addrs, Date.now())
    }
  } finally {
    store.close()
  }
}

/** Copies a data folder (sqlite file and key) so each run starts from the same state. */
export function copyDataDir(from: string, to: string): void {
  fs.cpSync(from, to, { recursive: true })
}

export interface History {
  groupId: string
  founder: Device
  /** A member who missed the last `missing` messages. */
  member: Device
  /** The founder's replica, holding `total` messages; benchmarks may append to it. */
  replica: GroupReplica
  total: number
  missing: number
  /** The whole state once `total` messages were written. */
  full: Uint8Array
  /** The state before the last `missing` messages: what the member holds. */
  behind: Uint8Array
  buildMs: number
}

/** `total` messages by the founder; the member saw all but the last `missing` of them. */
export async function buildHistory(total: number, missing: number): Promise<History> {
  const started = performance.now()
  const founder = await newDevice('Founder')
  const member = await newDevice('Member')
  const replica = foundGroup(founder, [member])
  writeMessages(replica, total - missing)
  const behind = replica.snapshot()
  writeMessages(replica, missing, total - missing)
  const full = replica.snapshot()
  return {
    groupId: replica.groupId,
    founder,
    member,
    replica,
    total,
    missing,
    full,
    behind,
    buildMs: performance.now() - started,
  }
}

/** Bytes of the update one message of `text` makes: what Hearth puts on the wire for it. */
export async function messageUpdateBytes(text: string): Promise<number> {
  const replica = foundGroup(await newDevice('Sizer'), [])
  let bytes = 0
  replica.on('update', (update) => (bytes = update.length))
  replica.sendMessage(text)
  replica.destroy()
  return bytes
}
