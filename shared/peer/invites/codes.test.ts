import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { HearthError } from '../../api/index.ts'
import {
  CODE_TTL_MS,
  CodeBook,
  MAX_CODE_ATTEMPTS,
  MAX_INVITE_BYTES,
  MAX_LIVE_CODES,
  formatCode,
  generateCode,
  looksLikeCode,
  parseCode,
} from './codes.ts'

const T0 = 1_700_000_000_000

describe('codes: generating, formatting, parsing', () => {
  test('a generated code is eight decimal digits, and codes vary', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 200; i++) {
      const code = generateCode()
      assert.match(code, /^[0-9]{8}$/)
      seen.add(code)
    }
    assert.ok(seen.size > 190, 'random codes repeat far too often')
  })

  test('every digit position takes every value', () => {
    const digitsSeen = Array.from({ length: 8 }, () => new Set<string>())
    for (let i = 0; i < 500; i++) {
      ;[...generateCode()].forEach((d, at) => digitsSeen[at]?.add(d))
    }
    for (const set of digitsSeen) assert.equal(set.size, 10)
  })

  test('formatting shows 1234-5678', () => {
    assert.equal(formatCode('12345678'), '1234-5678')
    assert.equal(formatCode('00000001'), '0000-0001')
  })

  const accepted: Array<[string, string]> = [
    ['1234-5678', 'the displayed form'],
    ['12345678', 'bare digits'],
    [' 1234 5678 ', 'spaces'],
    ['12-34-56-78', 'dashes anywhere'],
    ['1234\u20135678', 'an en dash'],
    ['1234\u22125678', 'a minus sign'],
    ['１２３４－５６７８', 'full-width digits and dash (Korean IME)'],
    ['１２３４\u3000５６７８', 'full-width digits and an ideographic space'],
    ['1234 ５６７８', 'half and full width mixed'],
  ]
  for (const [text, what] of accepted) {
    test(`parses ${what}`, () => {
      assert.equal(parseCode(text), '12345678')
      assert.ok(looksLikeCode(text))
    })
  }

  const refused: Array<[string, string]> = [
    ['1234-567', 'seven digits'],
    ['1234-56789', 'nine digits'],
    ['1234-567a', 'a letter'],
    ['', 'empty text'],
    ['hearth:invite:AAAA', 'a full invite'],
    ['1234.5678', 'a dot'],
    ['١٢٣٤٥٦٧٨', 'Arabic-Indic digits'],
    ['①②③④⑤⑥⑦⑧', 'circled digits'],
  ]
  for (const [text, what] of refused) {
    test(`refuses ${what}`, () => {
      assert.equal(parseCode(text), null)
      assert.ok(!looksLikeCode(text))
    })
  }
})

describe('codes: the CodeBook', () => {
  test('issue returns the formatted code and its expiry, ten minutes on', () => {
    const book = new CodeBook(() => T0, { generate: () => '12345678' })
    assert.deepEqual(book.issue('g1', 'invite-1', T0), {
      code: '1234-5678',
      expiresAt: T0 + CODE_TTL_MS,
    })
    assert.equal(CODE_TTL_MS, 600_000)
    assert.equal(book.state('g1', T0), 'live')
    assert.equal(book.attemptsLeft('g1'), MAX_CODE_ATTEMPTS)
  })

  test('a run leases the live code; success hands over the invite once and burns it', () => {
    const book = new CodeBook()
    book.issue('g1', 'invite-1', T0)
    const [lease, ...rest] = book.beginRun(T0 + 1)
    assert.ok(lease)
    assert.equal(rest.length, 0)
    assert.equal(book.state('g1', T0 + 1), 'in-use')
    assert.deepEqual(lease.succeed(T0 + 2), { groupId: 'g1', invite: 'invite-1' })
    assert.equal(lease.succeed(T0 + 2), null, 'a lease grants once')
    assert.equal(book.state('g1', T0 + 3), 'used')
    assert.deepEqual(book.beginRun(T0 + 3), [], 'a used code is never offered again')
  })

  test('one run at a time per code', () => {
    const book = new CodeBook()
    book.issue('g1', 'invite-1', T0)
    const first = book.beginRun(T0)
    assert.equal(first.length, 1)
    assert.deepEqual(book.beginRun(T0), [], 'a code held by a run is not offered to another')
    first[0]?.fail()
    assert.equal(book.beginRun(T0).length, 1)
  })

  test(`each run costs an attempt; after ${MAX_CODE_ATTEMPTS} failed runs the code is burned`, () => {
    const book = new CodeBook()
    book.issue('g1', 'invite-1', T0)
    for (let i = 1; i <= MAX_CODE_ATTEMPTS; i++) {
      const [lease] = book.beginRun(T0 + i)
      assert.ok(lease, `run ${i} is allowed`)
      assert.equal(book.attemptsLeft('g1'), MAX_CODE_ATTEMPTS - i, 'counted when the run starts')
      lease.fail()
    }
    assert.equal(book.state('g1', T0 + 10), 'burned')
    assert.deepEqual(book.beginRun(T0 + 10), [])
  })

  test('the fifth run can still succeed: burning happens on its failure', () => {
    const book = new CodeBook()
    book.issue('g1', 'invite-1', T0)
    for (let i = 1; i < MAX_CODE_ATTEMPTS; i++) book.beginRun(T0)[0]?.fail()
    const [last] = book.beginRun(T0)
    assert.deepEqual(last?.succeed(T0), { groupId: 'g1', invite: 'invite-1' })
  })

  test('an expired code is refused, also mid-run', () => {
    const book = new CodeBook()
    const { expiresAt } = book.issue('g1', 'invite-1', T0)
    const [lease] = book.beginRun(expiresAt - 1)
    assert.equal(lease?.succeed(expiresAt), null, 'lapsed during the run')
    assert.deepEqual(book.beginRun(expiresAt), [], 'not offered once expired')
    assert.equal(book.state('g1', expiresAt), 'none', 'and forgotten')
  })

  test('a new issue replaces the group code, and a run on the old one grants nothing', () => {
    const codes = ['11111111', '22222222']
    const book = new CodeBook(Date.now, { generate: () => codes.shift() ?? '99999999' })
    book.issue('g1', 'old invite', T0)
    const [old] = book.beginRun(T0)
    assert.equal(book.issue('g1', 'new invite', T0 + 1).code, '2222-2222')
    assert.equal(old?.succeed(T0 + 2), null)
    const [fresh] = book.beginRun(T0 + 2)
    assert.equal(fresh?.digits, '22222222')
    assert.equal(book.attemptsLeft('g1'), MAX_CODE_ATTEMPTS - 1, 'the new code has its own count')
    assert.deepEqual(fresh?.succeed(T0 + 3), { groupId: 'g1', invite: 'new invite' })
  })

  test('codes of different groups are live together, up to the limit; the oldest goes first', () => {
    let n = 0
    const book = new CodeBook(Date.now, { generate: () => String(++n).padStart(8, '0') })
    for (let g = 0; g <= MAX_LIVE_CODES; g++) book.issue(`g${g}`, `invite-${g}`, T0 + g)
    assert.equal(book.state('g0', T0 + 10), 'none', 'the oldest was dropped')
    const leases = book.beginRun(T0 + 10)
    assert.equal(leases.length, MAX_LIVE_CODES)
    assert.deepEqual(
      leases.map((l) => l.groupId),
      Array.from({ length: MAX_LIVE_CODES }, (_, i) => `g${i + 1}`),
    )
  })

  test('two live codes never share digits', () => {
    const codes = ['12345678', '12345678', '87654321']
    const book = new CodeBook(Date.now, { generate: () => codes.shift() ?? '00000000' })
    assert.equal(book.issue('g1', 'a', T0).code, '1234-5678')
    assert.equal(book.issue('g2', 'b', T0).code, '8765-4321')
  })

  test('revoke drops the code', () => {
    const book = new CodeBook()
    book.issue('g1', 'invite-1', T0)
    book.revoke('g1')
    assert.equal(book.state('g1', T0), 'none')
    assert.deepEqual(book.beginRun(T0), [])
  })

  test('an invite too large for the exchange is refused at issue', () => {
    const book = new CodeBook()
    assert.throws(
      () => book.issue('g1', 'x'.repeat(MAX_INVITE_BYTES + 1), T0),
      (err) => err instanceof HearthError && err.code === 'TOO_LARGE',
    )
  })
})
