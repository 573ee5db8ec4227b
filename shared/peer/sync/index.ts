// The wire protocols between peers: group sync, join, and the redial policy that keeps members
// connected.
export { groupSync, defaultSyncLimits } from './group-sync.ts'
export type {
  ApplyResult,
  GroupSync,
  GroupSyncComponents,
  GroupSyncInit,
  SyncHost,
  SyncLimits,
} from './group-sync.ts'
export { SYNC_PROTOCOL } from './messages.ts'
export {
  JOIN_PROTOCOL,
  MAX_JOIN_REQUEST_BYTES,
  defaultJoinLimits,
  handleJoinProtocol,
  joinService,
  requestJoin,
} from './join.ts'
export type { JoinHost, JoinLimits, JoinServiceInit, JoinTarget } from './join.ts'
export { Reconnector } from './reconnect.ts'
export type { ReconnectNode, ReconnectOptions, Timers } from './reconnect.ts'
