// Errors are values with codes. The code is the contract; the message is for people and logs.
export const errorCodes = [
  'BAD_INPUT',
  'UNKNOWN_COMMAND',
  'UNAUTHORIZED',
  'GROUP_NOT_FOUND',
  'GROUP_AMBIGUOUS',
  'NOT_A_MEMBER',
  'NOT_AN_ADMIN',
  'MEMBER_NOT_FOUND',
  'MESSAGE_NOT_FOUND',
  'NOT_THE_AUTHOR',
  'FILE_NOT_FOUND',
  'FILE_EXISTS',
  'FILE_NOT_HERE',
  'INVITE_INVALID',
  'INVITE_EXPIRED',
  'INVITE_USED_UP',
  'CODE_INVALID',
  'CODE_EXPIRED',
  'NO_MEMBER_REACHABLE',
  'TOO_LARGE',
  'RATE_LIMITED',
  'STORAGE_FAILED',
  /** The data folder is encrypted and not unlocked yet: only `vault.*` commands answer. */
  'LOCKED',
  /** The encryption header (vault.json) cannot be read: nothing can be unlocked. */
  'VAULT_DAMAGED',
  'PEER_STOPPED',
  'TIMEOUT',
  /** The passphrase does not open what it was given for: the data folder, or a backup. */
  'WRONG_PASSPHRASE',
  // Backups and carry-over bundles:
  'DAMAGED_FILE',
  'NOT_A_RECIPIENT',
  'DATA_DIR_NOT_EMPTY',
  'CANCELLED',
  'INTERNAL',
] as const

export type ErrorCode = (typeof errorCodes)[number]

export interface ErrorPayload {
  code: ErrorCode
  message: string
}

export class HearthError extends Error {
  readonly code: ErrorCode
  constructor(code: ErrorCode, message: string) {
    super(message)
    this.name = 'HearthError'
    this.code = code
  }

  toPayload(): ErrorPayload {
    return { code: this.code, message: this.message }
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && (errorCodes as readonly string[]).includes(value)
}

/** Turns anything thrown into a payload that is safe to send to a client. */
export function toErrorPayload(err: unknown): ErrorPayload {
  if (err instanceof HearthError) return err.toPayload()
  return { code: 'INTERNAL', message: err instanceof Error ? err.message : String(err) }
}
