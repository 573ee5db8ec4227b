// The per-run secret a client must show to use the API. It keeps other local users and web pages
// in the user's browser from driving the peer.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** 32 random bytes, base64url: safe in a URL query and as a WebSocket subprotocol token. */
export function newToken(): string {
  return randomBytes(32).toString('base64url')
}

export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{32,}$/

/**
 * Constant-time comparison. Hashing first gives two equal-length buffers, so neither the content
 * nor the length of the expected token leaks through timing.
 */
export function tokenMatches(expected: string, presented: string | undefined): boolean {
  if (presented === undefined) return false
  const a = createHash('sha256').update(expected, 'utf8').digest()
  const b = createHash('sha256').update(presented, 'utf8').digest()
  return timingSafeEqual(a, b)
}
