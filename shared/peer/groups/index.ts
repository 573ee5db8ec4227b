// The group model's public surface: what the peer and the sync layer import.
export {
  GroupReplica,
  LOCAL_ORIGIN,
  RemoteOrigin,
  type ApplyResult,
  type CatchUp,
  type ReplicaEvents,
  type ReplicaOptions,
} from './replica.ts'
export { HybridClock } from './clock.ts'
export { makeSigner, verify, type Signer } from './signing.ts'
export {
  decodeInvite,
  encodeInvite,
  makeJoinRequest,
  verifyInviteSignature,
  verifyJoinRequest,
  Invite,
  JoinRequest,
  INVITE_PREFIX,
  MAX_INVITE_TEXT,
} from './invites.ts'
export { MembershipView, type MemberInfo, type Role } from './membership.ts'
export { MAX_UPDATE_BYTES } from './validate.ts'
