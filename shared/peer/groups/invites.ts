// Invites and join requests. An invite is a capability signed by an admin; it travels as text and
// is embedded, together with the joiner's signed request, in the `add` op that admits the joiner.
import { z } from 'zod'
import { DisplayName, HearthError } from '../../api/index.ts'
import { EntryId, GroupId, PeerIdText, SignatureText, StoredName, Timestamp } from './primitives.ts'
import { checkSeal, seal, tags, type Field } from './sealed.ts'
import type { Signer } from './signing.ts'

export const INVITE_PREFIX = 'hearth-invite:'
export const MAX_INVITE_TEXT = 16 * 1024
export const MAX_INVITE_USES = 1000
export const MAX_INVITE_MEMBERS = 16
export const MAX_MEMBER_ADDRS = 16
export const MAX_ADDR_CHARS = 256

export const InviteMember = z.strictObject({
  peerId: PeerIdText,
  addrs: z.array(z.string().min(1).max(MAX_ADDR_CHARS)).max(MAX_MEMBER_ADDRS),
})
export type InviteMember = z.infer<typeof InviteMember>

export const Invite = z.strictObject({
  v: z.literal(1),
  group: GroupId,
  groupName: StoredName,
  author: PeerIdText,
  inviteId: EntryId,
  createdAt: Timestamp,
  expiresAt: Timestamp,
  uses: z.number().int().min(1).max(MAX_INVITE_USES),
  members: z.array(InviteMember).max(MAX_INVITE_MEMBERS),
  sig: SignatureText,
})
export type Invite = z.infer<typeof Invite>
export type UnsignedInvite = Omit<Invite, 'sig'>

export const JoinRequest = z.strictObject({
  v: z.literal(1),
  group: GroupId,
  inviteId: EntryId,
  peerId: PeerIdText,
  name: StoredName,
  ts: Timestamp,
  sig: SignatureText,
})
export type JoinRequest = z.infer<typeof JoinRequest>

export function inviteFields(i: UnsignedInvite): Field[] {
  const members = i.members.map((m) => [m.peerId, m.addrs])
  return [
    tags.invite,
    i.group,
    i.groupName,
    i.author,
    i.inviteId,
    i.createdAt,
    i.expiresAt,
    i.uses,
    members,
  ]
}

export function joinFields(r: Omit<JoinRequest, 'sig'>): Field[] {
  return [tags.join, r.group, r.inviteId, r.peerId, r.name, r.ts]
}

export function signInvite(signer: Signer, unsigned: UnsignedInvite): Invite {
  if (unsigned.author !== signer.peerId) {
    throw new HearthError('INTERNAL', 'An invite must be signed by its author.')
  }
  return { ...unsigned, sig: seal(signer, inviteFields(unsigned)).sig }
}

export function verifyInviteSignature(invite: Invite): boolean {
  return checkSeal(invite.author, inviteFields(invite), invite.sig).ok
}

export function verifyJoinRequest(request: JoinRequest): boolean {
  return checkSeal(request.peerId, joinFields(request), request.sig).ok
}

export function makeJoinRequest(
  invite: Invite,
  signer: Signer,
  name: string,
  ts: number,
): JoinRequest {
  const parsedName = DisplayName.safeParse(name)
  if (!parsedName.success) {
    throw new HearthError('BAD_INPUT', parsedName.error.issues[0]?.message ?? 'not a valid name')
  }
  const unsigned = {
    v: 1 as const,
    group: invite.group,
    inviteId: invite.inviteId,
    peerId: signer.peerId,
    name: parsedName.data,
    ts,
  }
  return { ...unsigned, sig: seal(signer, joinFields(unsigned)).sig }
}

export function encodeInvite(invite: Invite): string {
  return INVITE_PREFIX + Buffer.from(JSON.stringify(invite), 'utf8').toString('base64url')
}

function invalid(sentence: string): HearthError {
  return new HearthError('INVITE_INVALID', sentence)
}

/** Parses invite text as pasted by a person; throws `INVITE_INVALID` for anything malformed. */
export function decodeInvite(text: string): Invite {
  if (text.length > MAX_INVITE_TEXT) throw invalid('This invite is too long to be a Hearth invite.')
  const trimmed = text.trim()
  if (!trimmed.startsWith(INVITE_PREFIX)) {
    // Join takes an invite or a short code; digits that are not a code are a mistyped code.
    throw invalid(
      /^[\d\s\-\uff10-\uff19]+$/.test(trimmed)
        ? 'A short code has 8 digits, like 1234-5678; check it and try again.'
        : 'This is neither a Hearth invite (it starts with "hearth-invite:") nor a short code (8 digits, like 1234-5678).',
    )
  }
  const body = trimmed.slice(INVITE_PREFIX.length)
  if (!/^[A-Za-z0-9_-]+$/.test(body)) {
    throw invalid('This invite is damaged: it contains characters an invite never has.')
  }
  let json: unknown
  try {
    json = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'))
  } catch {
    // The parser's own words would quote the broken bytes back at the person.
    throw invalid('This invite is damaged: part of it is missing or changed; copy all of it again.')
  }
  const parsed = Invite.safeParse(json)
  if (!parsed.success)
    throw invalid('This invite is damaged or comes from an incompatible version.')
  if (!verifyInviteSignature(parsed.data)) {
    throw invalid('This invite was altered: its signature does not match its author.')
  }
  return parsed.data
}
