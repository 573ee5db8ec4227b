// Short codes read aloud: eight random digits, shown as `1234-5678`, valid ten minutes, single use.
// The inviter's CodeBook decides which codes may be tried, counts attempts and burns codes; the
// password-authenticated exchange that spends those attempts lives in code-protocol.ts.
import { HearthError } from '../../api/index.ts'

export const CODE_DIGITS = 8
export const CODE_TTL_MS = 10 * 60_000
export const MAX_CODE_ATTEMPTS = 5
/** How many codes (across groups) one peer keeps live; the exchange tries them all at once. */
export const MAX_LIVE_CODES = 4
export const MAX_INVITE_BYTES = 8 * 1024

const utf8 = new TextEncoder()
// The largest multiple of 10^8 below 2^32: drawing under it keeps every code equally likely.
const UNBIASED_LIMIT = 42 * 10 ** CODE_DIGITS

/** Eight uniformly random decimal digits. */
export function generateCode(): string {
  const word = new Uint32Array(1)
  for (;;) {
    crypto.getRandomValues(word)
    const n = word[0] ?? UNBIASED_LIMIT
    if (n < UNBIASED_LIMIT) return String(n % 10 ** CODE_DIGITS).padStart(CODE_DIGITS, '0')
  }
}

/** `12345678` → `1234-5678`, the form people read aloud. */
export function formatCode(digits: string): string {
  return `${digits.slice(0, 4)}-${digits.slice(4)}`
}

// Spaces of every kind, and the dashes people and IMEs produce: hyphen-minus, the Unicode hyphens
// and dashes, minus sign, full-width hyphen-minus.
const SEPARATORS = /[\s\-\u2010-\u2015\u2212\uff0d]/g

/**
 * Returns the eight digits of a typed code, or null if the text is not one. Accepts spaces and
 * dashes anywhere and full-width digits (`０-９`, what a Korean IME often types).
 */
export function parseCode(text: string): string | null {
  const digits = text
    .replace(SEPARATORS, '')
    .replace(/[\uff10-\uff19]/g, (d) => String(d.charCodeAt(0) - 0xff10))
  return /^[0-9]{8}$/.test(digits) ? digits : null
}

/** Whether text typed into "join" is a short code rather than a full invite. */
export function looksLikeCode(text: string): boolean {
  return parseCode(text) !== null
}

export interface IssuedCode {
  /** Formatted for people: `1234-5678`. */
  code: string
  expiresAt: number
}

export type CodeState = 'live' | 'in-use' | 'used' | 'burned' | 'expired' | 'none'

/** One run's hold on one live code. Exactly one of succeed/fail takes effect; later calls do nothing. */
export interface CodeLease {
  /** The code's eight digits: the password for the exchange. */
  readonly digits: string
  readonly groupId: string
  /** The joiner proved it knows the code: burns it and returns the invite, or null if it lapsed. */
  succeed(now: number): { groupId: string; invite: string } | null
  /** The run ended without proof; the attempt stays counted. */
  fail(): void
}

interface Entry {
  groupId: string
  digits: string
  invite: string
  expiresAt: number
  attempts: number
  inRun: boolean
  spent: 'used' | 'burned' | null
}

/** The inviter's live codes, one per group. */
export class CodeBook {
  /** The clock the code exchange reads when it is not given one of its own. */
  readonly now: () => number
  readonly #entries = new Map<string, Entry>()
  readonly #generate: () => string

  constructor(now: () => number = Date.now, options: { generate?: () => string } = {}) {
    this.now = now
    this.#generate = options.generate ?? generateCode
  }

  /**
   * Issues a fresh code for a group, replacing any earlier one. Beyond MAX_LIVE_CODES the oldest
   * code of another group is dropped: the newest is the one someone is reading aloud.
   */
  issue(groupId: string, invite: string, now: number): IssuedCode {
    if (utf8.encode(invite).length > MAX_INVITE_BYTES) {
      throw new HearthError('TOO_LARGE', `an invite can be at most ${MAX_INVITE_BYTES} bytes`)
    }
    this.#prune(now)
    this.#entries.delete(groupId)
    const live = [...this.#entries.values()].filter((e) => e.spent === null)
    while (live.length >= MAX_LIVE_CODES) {
      const oldest = live.shift()
      if (oldest !== undefined) this.#entries.delete(oldest.groupId)
    }
    const taken = new Set([...this.#entries.values()].map((e) => e.digits))
    let digits = this.#generate()
    while (taken.has(digits)) digits = this.#generate()
    const expiresAt = now + CODE_TTL_MS
    this.#entries.set(groupId, {
      groupId,
      digits,
      invite,
      expiresAt,
      attempts: 0,
      inRun: false,
      spent: null,
    })
    return { code: formatCode(digits), expiresAt }
  }

  revoke(groupId: string): void {
    this.#entries.delete(groupId)
  }

  state(groupId: string, now: number): CodeState {
    const e = this.#entries.get(groupId)
    if (e === undefined) return 'none'
    if (e.spent !== null) return e.spent
    if (now >= e.expiresAt) return 'expired'
    return e.inRun ? 'in-use' : 'live'
  }

  attemptsLeft(groupId: string): number {
    const e = this.#entries.get(groupId)
    return e === undefined || e.spent !== null ? 0 : MAX_CODE_ATTEMPTS - e.attempts
  }

  /**
   * Starts one exchange against every live code no other run holds. Each lease costs its code one
   * attempt now, so a joiner that hangs up mid-run has still spent its guess.
   */
  beginRun(now: number): CodeLease[] {
    this.#prune(now)
    const leases: CodeLease[] = []
    for (const e of this.#entries.values()) {
      if (e.spent !== null || e.inRun || now >= e.expiresAt) continue
      e.inRun = true
      e.attempts += 1
      leases.push(this.#lease(e))
    }
    return leases
  }

  #lease(e: Entry): CodeLease {
    let open = true
    const close = () => {
      const wasOpen = open
      open = false
      e.inRun = false
      return wasOpen && this.#entries.get(e.groupId) === e
    }
    return {
      digits: e.digits,
      groupId: e.groupId,
      succeed: (now) => {
        if (!close() || e.spent !== null || now >= e.expiresAt) return null
        e.spent = 'used'
        return { groupId: e.groupId, invite: e.invite }
      },
      fail: () => {
        if (close() && e.spent === null && e.attempts >= MAX_CODE_ATTEMPTS) e.spent = 'burned'
      },
    }
  }

  #prune(now: number): void {
    for (const [groupId, e] of this.#entries) {
      if (!e.inRun && now >= e.expiresAt) this.#entries.delete(groupId)
    }
  }
}
