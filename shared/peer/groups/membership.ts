// Membership is derived, never stored: a deterministic walk over the op DAG that every replica
// performs identically.
//
// The rule: take every op whose ancestors are all present, in topological order by `parents`,
// breaking ties between concurrent ops by (ts, id) ascending. Apply each op only if it is valid
// against the state produced by the ops before it; invalid ops stay in the doc but have no effect.
// So when two admins remove each other concurrently, the op that sorts first applies and the
// second one's author is no longer an admin: every replica ends with the same members.
import type { ErrorCode } from '../../api/index.ts'
import type { OpEntry } from './entries.ts'
import { groupIdFor } from './ids.ts'
import {
  verifyInviteSignature,
  verifyJoinRequest,
  type Invite,
  type JoinRequest,
} from './invites.ts'

export type Role = 'admin' | 'member'

export interface MemberInfo {
  readonly role: Role
  readonly name: string
  /** ts of the op that (last) admitted this member. */
  readonly since: number
}

interface TimelineEvent {
  ts: number
  seq: number
  role: Role | null
}

/** What the admission rule reads; both the walk and a finished view provide it. */
export interface AdmissionState {
  readonly members: ReadonlyMap<string, MemberInfo>
  readonly removed: ReadonlyMap<string, number>
  inviteUses(inviteId: string): number
}

export interface Admission {
  member: string
  memberName: string
  invite: Invite
  request: JoinRequest
  ts: number
}

export interface AdmissionProblem {
  code: ErrorCode
  message: string
}

/** Caches signature checks of embedded invites and requests, keyed by the add op's id. */
export type SignatureCache = Map<string, boolean>

/**
 * The admission rule for an `add`, shared by the walk (which ignores the op when this returns a
 * problem) and by a member admitting a joiner (which reports it). Signatures are checked last.
 */
export function admissionProblem(
  state: AdmissionState,
  groupId: string,
  a: Admission,
  signaturesValid: () => boolean,
): AdmissionProblem | null {
  const { invite, request } = a
  if (invite.group !== groupId || request.group !== groupId) {
    return { code: 'INVITE_INVALID', message: 'This invite is for another group.' }
  }
  if (state.members.get(invite.author)?.role !== 'admin') {
    return { code: 'INVITE_INVALID', message: 'This invite was not made by a current admin.' }
  }
  if (a.ts >= invite.expiresAt)
    return { code: 'INVITE_EXPIRED', message: 'This invite has expired.' }
  if (state.inviteUses(invite.inviteId) >= invite.uses) {
    return { code: 'INVITE_USED_UP', message: 'This invite has been used up.' }
  }
  if (
    request.inviteId !== invite.inviteId ||
    request.peerId !== a.member ||
    request.name !== a.memberName
  ) {
    return { code: 'BAD_INPUT', message: 'The join request does not match this invite.' }
  }
  const removedAt = state.removed.get(a.member)
  if (removedAt !== undefined && invite.createdAt <= removedAt) {
    return { code: 'INVITE_INVALID', message: 'This member was removed after the invite was made.' }
  }
  if (!signaturesValid()) {
    return {
      code: 'INVITE_INVALID',
      message: 'The invite or the join request is not signed correctly.',
    }
  }
  return null
}

export function signaturesOfAdd(invite: Invite, request: JoinRequest): boolean {
  return verifyInviteSignature(invite) && verifyJoinRequest(request)
}

export class MembershipView implements AdmissionState {
  readonly groupId: string
  readonly name: string
  readonly founder: string | null
  readonly members: ReadonlyMap<string, MemberInfo>
  readonly removed: ReadonlyMap<string, number>
  /** Ids of the ops that took effect, in the order they were applied. */
  readonly applied: readonly string[]
  /** The ops nothing else orderable points to: the parents of the next local op. */
  readonly heads: readonly string[]
  /** Changes whenever anything a reader can observe changes. */
  readonly digest: string
  readonly #uses: ReadonlyMap<string, number>
  readonly #timelines: ReadonlyMap<string, readonly TimelineEvent[]>
  readonly #names: ReadonlyMap<string, string>

  constructor(w: Walk, heads: string[]) {
    this.groupId = w.groupId
    this.name = w.name
    this.founder = w.founder
    this.members = w.members
    this.removed = w.removed
    this.applied = w.applied
    this.heads = heads
    this.#uses = w.uses
    this.#names = w.names
    for (const events of w.timelines.values()) events.sort((a, b) => a.ts - b.ts || a.seq - b.seq)
    this.#timelines = w.timelines
    this.digest = JSON.stringify([
      this.name,
      this.founder,
      [...this.members].sort(byKey),
      [...this.removed].sort(byKey),
      [...w.timelines.keys()].sort().map((p) => this.peerDigest(p)),
    ])
  }

  inviteUses(inviteId: string): number {
    return this.#uses.get(inviteId) ?? 0
  }

  /** The role `peerId` held at time `ts`, or null when it was not a member then. */
  roleAt(peerId: string, ts: number): Role | null {
    let role: Role | null = null
    for (const event of this.#timelines.get(peerId) ?? []) {
      if (event.ts > ts) break
      role = event.role
    }
    return role
  }

  wasMemberAt(peerId: string, ts: number): boolean {
    return this.roleAt(peerId, ts) !== null
  }

  /** A peer's latest name while a member (admitted, or renamed by itself); '' if never admitted. */
  nameOf(peerId: string): string {
    return this.#names.get(peerId) ?? ''
  }

  /** Everything about one peer that message views depend on. */
  peerDigest(peerId: string): string {
    const events = this.#timelines.get(peerId) ?? []
    return JSON.stringify([peerId, this.nameOf(peerId), events.map((e) => [e.ts, e.role])])
  }

  /** Peers whose name, membership or roles differ between two views. */
  static changedPeers(before: MembershipView, after: MembershipView): Set<string> {
    const peers = new Set([...before.#timelines.keys(), ...after.#timelines.keys()])
    const changed = new Set<string>()
    for (const p of peers) if (before.peerDigest(p) !== after.peerDigest(p)) changed.add(p)
    return changed
  }
}

function byKey(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0
}

class Walk implements AdmissionState {
  readonly groupId: string
  name = ''
  founder: string | null = null
  readonly members = new Map<string, MemberInfo>()
  readonly removed = new Map<string, number>()
  readonly uses = new Map<string, number>()
  readonly applied: string[] = []
  readonly timelines = new Map<string, TimelineEvent[]>()
  readonly names = new Map<string, string>()
  #seq = 0

  constructor(groupId: string) {
    this.groupId = groupId
  }

  inviteUses(inviteId: string): number {
    return this.uses.get(inviteId) ?? 0
  }

  record(peerId: string, ts: number, role: Role | null): void {
    let events = this.timelines.get(peerId)
    if (events === undefined) this.timelines.set(peerId, (events = []))
    events.push({ ts, seq: this.#seq++, role })
  }

  admit(peerId: string, name: string, role: Role, ts: number): void {
    this.members.set(peerId, { role, name, since: ts })
    this.names.set(peerId, name)
    this.removed.delete(peerId)
    this.record(peerId, ts, role)
  }

  drop(peerId: string, ts: number): void {
    this.members.delete(peerId)
    this.record(peerId, ts, null)
  }

  /** A group never stays without an admin: the longest-standing member takes over. */
  ensureAdmin(ts: number): void {
    let oldest: [string, MemberInfo] | null = null
    for (const entry of this.members) {
      if (entry[1].role === 'admin') return
      if (oldest === null || entry[1].since < oldest[1].since) oldest = entry
      else if (entry[1].since === oldest[1].since && entry[0] < oldest[0]) oldest = entry
    }
    if (oldest === null) return
    this.members.set(oldest[0], { ...oldest[1], role: 'admin' })
    this.record(oldest[0], ts, 'admin')
  }
}

function isAdmin(w: Walk, peerId: string): boolean {
  return w.members.get(peerId)?.role === 'admin'
}

function apply(
  w: Walk,
  id: string,
  op: OpEntry,
  genesis: string | null,
  signatures: SignatureCache,
): boolean {
  if (op.kind === 'create') {
    if (id !== genesis) return false
    w.founder = op.author
    w.name = op.name
    w.admit(op.author, op.memberName, 'admin', op.ts)
    return true
  }
  if (w.founder === null || op.parents.length === 0) return false
  switch (op.kind) {
    case 'add': {
      if (!w.members.has(op.author) || w.members.has(op.member)) return false
      const problem = admissionProblem(w, w.groupId, op, () => {
        let ok = signatures.get(id)
        if (ok === undefined) signatures.set(id, (ok = signaturesOfAdd(op.invite, op.request)))
        return ok
      })
      if (problem !== null) return false
      w.uses.set(op.invite.inviteId, w.inviteUses(op.invite.inviteId) + 1)
      w.admit(op.member, op.memberName, 'member', op.ts)
      return true
    }
    case 'remove': {
      if (!isAdmin(w, op.author) || !w.members.has(op.member)) return false
      if (op.member === w.founder && op.author !== w.founder) return false
      w.drop(op.member, op.ts)
      w.removed.set(op.member, op.ts)
      return true
    }
    case 'promote': {
      const target = w.members.get(op.member)
      if (!isAdmin(w, op.author) || target === undefined || target.role === 'admin') return false
      w.members.set(op.member, { ...target, role: 'admin' })
      w.record(op.member, op.ts, 'admin')
      return true
    }
    case 'leave': {
      if (!w.members.has(op.author)) return false
      w.drop(op.author, op.ts)
      return true
    }
    case 'rename': {
      if (!isAdmin(w, op.author)) return false
      w.name = op.name
      return true
    }
    case 'name': {
      const self = w.members.get(op.author)
      if (self === undefined) return false
      w.members.set(op.author, { ...self, name: op.memberName })
      w.names.set(op.author, op.memberName)
      return true
    }
  }
}

function compareOps(a: [string, OpEntry], b: [string, OpEntry]): number {
  return a[1].ts - b[1].ts || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)
}

/** Kahn's algorithm; ops with a missing ancestor never become ready and are left out. */
export function orderOps(ops: ReadonlyMap<string, OpEntry>): string[] {
  const waiting = new Map<string, number>()
  const children = new Map<string, string[]>()
  // Kept sorted descending, so the smallest (ts, id) is popped from the end.
  const ready: [string, OpEntry][] = []
  const pushReady = (entry: [string, OpEntry]): void => {
    let lo = 0
    let hi = ready.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (compareOps(ready[mid] as [string, OpEntry], entry) > 0) lo = mid + 1
      else hi = mid
    }
    ready.splice(lo, 0, entry)
  }
  for (const [id, op] of ops) {
    waiting.set(id, op.parents.length)
    for (const parent of op.parents) {
      let list = children.get(parent)
      if (list === undefined) children.set(parent, (list = []))
      list.push(id)
    }
    if (op.parents.length === 0) pushReady([id, op])
  }
  const order: string[] = []
  for (let next = ready.pop(); next !== undefined; next = ready.pop()) {
    order.push(next[0])
    for (const child of children.get(next[0]) ?? []) {
      const left = (waiting.get(child) ?? 0) - 1
      waiting.set(child, left)
      const op = ops.get(child)
      if (left === 0 && op !== undefined) pushReady([child, op])
    }
  }
  return order
}

/** Among creates that could be the genesis of `groupId`, the smallest id wins. */
function chooseGenesis(groupId: string, ops: ReadonlyMap<string, OpEntry>): string | null {
  let genesis: string | null = null
  for (const [id, op] of ops) {
    if (op.kind !== 'create' || op.parents.length > 0) continue
    if (groupIdFor(op.author, op.nonce) !== groupId) continue
    if (genesis === null || id < genesis) genesis = id
  }
  return genesis
}

export function computeMembership(
  groupId: string,
  ops: ReadonlyMap<string, OpEntry>,
  signatures: SignatureCache = new Map(),
): MembershipView {
  const genesis = chooseGenesis(groupId, ops)
  const order = orderOps(ops)
  const walk = new Walk(groupId)
  const referenced = new Set<string>()
  for (const id of order) {
    const op = ops.get(id)
    if (op === undefined) continue
    for (const parent of op.parents) referenced.add(parent)
    if (apply(walk, id, op, genesis, signatures)) {
      walk.applied.push(id)
      walk.ensureAdmin(op.ts)
    }
  }
  const heads = order.filter((id) => !referenced.has(id)).sort()
  return new MembershipView(walk, heads)
}
