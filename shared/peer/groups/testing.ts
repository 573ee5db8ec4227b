// Helpers for the tests of the group model: real keys, real replicas, and a way to hand a replica
// entries that no honest replica would write (forgeries), exactly as they would arrive on the wire.
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import * as Y from 'yjs'
import { HybridClock } from './clock.ts'
import { actFields, msgFields, opFields, signEntry } from './entries.ts'
import type { ActEntry, MsgEntry, OpEntry, Unsigned } from './entries.ts'
import { makeJoinRequest, type Invite } from './invites.ts'
import { GroupReplica, type ReplicaOptions } from './replica.ts'
import { sealedBytes } from './sealed.ts'
import { makeSigner, verify, type Signer, type Verify } from './signing.ts'

export async function makeSigners(n: number): Promise<Signer[]> {
  const signers: Signer[] = []
  for (let i = 0; i < n; i++) signers.push(makeSigner(await generateKeyPair('Ed25519')))
  return signers
}

/** A controllable wall clock. */
export class ManualTime {
  now: number
  constructor(start = 1_700_000_000_000) {
    this.now = start
  }
  readonly read = (): number => this.now
}

export function options(
  signer: Signer,
  time: ManualTime,
  memberName = 'p' + signer.peerId.slice(-4),
  check?: Verify,
): ReplicaOptions {
  return { signer, clock: new HybridClock(time.read), now: time.read, memberName, verify: check }
}

/** Brings `to` up to date with `from`, through the same validation a remote peer goes through. */
export async function pull(
  to: GroupReplica,
  from: GroupReplica,
  fromPeerId = 'peer',
): Promise<void> {
  const result = await to.applyRemote(from.diff(to.stateVector()), fromPeerId)
  assert.ok(
    result.kind === 'applied' || result.kind === 'duplicate',
    `sync was ${JSON.stringify(result)}`,
  )
}

export async function syncAll(replicas: GroupReplica[]): Promise<void> {
  for (const a of replicas) for (const b of replicas) if (a !== b) await pull(b, a)
}

/** An update that adds one value under `key` in root map `map`, as a fresh remote client. */
export function entryUpdate(map: string, key: string, value: unknown): Uint8Array {
  const doc = new Y.Doc()
  doc.getMap(map).set(key, value)
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}

/** An update that adds `entries` in this order, as one fresh remote client. */
export function entriesUpdate(
  entries: readonly { map: 'ops' | 'msgs' | 'acts'; id: string; entry: object }[],
): Uint8Array {
  const doc = new Y.Doc()
  doc.transact(() => {
    for (const e of entries) doc.getMap(e.map).set(e.id, e.entry)
  })
  const update = Y.encodeStateAsUpdate(doc)
  doc.destroy()
  return update
}

/** The real signature check, counting its calls. */
export function countingVerify(): { verify: Verify; calls: () => number } {
  let calls = 0
  return {
    verify: (peerId, data, sig) => {
      calls++
      return verify(peerId, data, sig)
    },
    calls: () => calls,
  }
}

/** What a test says about an entry; `prev` defaults to null (the author's first entry). */
type Body<E> =
  Unsigned<E> extends infer T
    ? T extends unknown
      ? Omit<T, 'v' | 'group' | 'author' | 'prev'> & { prev?: string | null }
      : never
    : never

/** Signs an op with any key, whatever the rules say about it. */
export function signOp(
  signer: Signer,
  group: string,
  op: Body<OpEntry>,
): { id: string; entry: OpEntry } {
  return signEntry<OpEntry>(
    signer,
    { v: 2, group, author: signer.peerId, ...op, prev: op.prev ?? null } as Unsigned<OpEntry>,
    opFields,
  )
}

export function signMsg(
  signer: Signer,
  group: string,
  body: {
    ts: number
    text: string
    replyTo?: string | null
    prev?: string | null
    files?: string[]
  },
): { id: string; entry: MsgEntry } {
  return signEntry<MsgEntry>(
    signer,
    {
      v: 2,
      group,
      author: signer.peerId,
      ts: body.ts,
      prev: body.prev ?? null,
      text: body.text,
      replyTo: body.replyTo ?? null,
      ...(body.files !== undefined && { files: body.files }),
    },
    msgFields,
  )
}

export function signAct(
  signer: Signer,
  group: string,
  act: Body<ActEntry>,
): { id: string; entry: ActEntry } {
  return signEntry<ActEntry>(
    signer,
    { v: 2, group, author: signer.peerId, ...act, prev: act.prev ?? null } as Unsigned<ActEntry>,
    actFields,
  )
}

/** The id an entry's bytes derive, signature valid or not: the key a forger stores it under. */
export function idOf(map: 'ops' | 'msgs' | 'acts', entry: OpEntry | MsgEntry | ActEntry): string {
  const fields =
    map === 'ops'
      ? opFields(entry as OpEntry)
      : map === 'msgs'
        ? msgFields(entry as MsgEntry)
        : actFields(entry as ActEntry)
  const sealed = sealedBytes(fields, entry.sig)
  if (!sealed.ok) throw new Error(sealed.reason)
  return sealed.id
}

/** Hands `replica` a signed entry the way the network would. */
export function deliver(
  replica: GroupReplica,
  map: 'ops' | 'msgs' | 'acts',
  signed: { id: string; entry: object },
): ReturnType<GroupReplica['applyRemote']> {
  return replica.applyRemote(entryUpdate(map, signed.id, signed.entry), 'forger')
}

/** The whole join flow: `admin` invites, `via` admits, the joiner's replica syncs from `via`. */
export async function join(
  admin: GroupReplica,
  via: GroupReplica,
  joiner: Signer,
  time: ManualTime,
  invite?: Invite,
): Promise<GroupReplica> {
  const inv = invite ?? admin.createInvite({ uses: 5, expiresAt: time.now + 3600_000, members: [] })
  if (via !== admin) await pull(via, admin)
  const request = makeJoinRequest(inv, joiner, 'p' + joiner.peerId.slice(-4), time.now)
  via.admit(inv, request, joiner.peerId)
  const replica = GroupReplica.empty(admin.groupId, options(joiner, time))
  await pull(replica, via)
  return replica
}
