// The rule a new passphrase must meet before the UI sends it: the contract's own minimum, counted
// the same way (in characters, not bytes), and typed the same twice.
import { MIN_PASSPHRASE_CHARS } from '../../../shared/api/index.ts'

export type NewPassphraseProblem = 'short' | 'differ'

export function newPassphraseProblem(first: string, second: string): NewPassphraseProblem | null {
  if ([...first].length < MIN_PASSPHRASE_CHARS) return 'short'
  if (first !== second) return 'differ'
  return null
}
