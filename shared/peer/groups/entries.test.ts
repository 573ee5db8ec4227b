import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { MAX_MESSAGE_BYTES } from '../../api/index.ts'
import { MsgEntry, plainMsgEntry } from './entries.ts'
import { randomId } from './ids.ts'
import type { Signer } from './signing.ts'
import { makeSigners, signMsg } from './testing.ts'

const [ana] = (await makeSigners(1)) as [Signer]
const group = randomId()

/** Values that are not what a field of a message may hold, or only sometimes. */
const oddValues: unknown[] = [
  undefined,
  null,
  0,
  -0,
  -1,
  1.5,
  2,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 1,
  Number.NaN,
  Infinity,
  10n,
  true,
  '',
  ' ',
  'x',
  'a'.repeat(26),
  'A'.repeat(26),
  'a'.repeat(27),
  '1'.repeat(26),
  'b'.repeat(86),
  'b'.repeat(85),
  '12D3KooW' + 'a'.repeat(44),
  '0'.repeat(50),
  'é'.repeat(30_000),
  'x'.repeat(MAX_MESSAGE_BYTES / 3),
  'x'.repeat(MAX_MESSAGE_BYTES / 3 + 1),
  'x'.repeat(MAX_MESSAGE_BYTES + 1),
  [],
  ['a'.repeat(26)],
  {},
  new Uint8Array(3),
]

/** Every way a genuine message can be bent: each field swapped, dropped, or one key added. */
function variants(genuine: MsgEntry): unknown[] {
  const out: unknown[] = [genuine]
  for (const key of Object.keys(genuine)) {
    for (const odd of oddValues) out.push({ ...genuine, [key]: odd })
    const { [key as keyof MsgEntry]: _dropped, ...rest } = genuine
    out.push(rest)
  }
  for (const extra of ['files', 'kind', 'extra', '__proto__', 'toString']) {
    for (const odd of oddValues.slice(0, 6)) {
      const copy: Record<string, unknown> = { ...genuine }
      Object.defineProperty(copy, extra, { value: odd, enumerable: true, writable: true })
      out.push(copy)
    }
  }
  // Decoded with a `__proto__` key, a value gets a prototype instead of a field.
  const inherited: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(genuine)) if (k !== 'text') inherited[k] = v
  Object.setPrototypeOf(inherited, { text: genuine.text })
  out.push(inherited)
  out.push(Object.assign(Object.create(null) as object, genuine))
  out.push(JSON.parse(JSON.stringify({ ...genuine, __proto__: { text: 'x' } })) as unknown)
  out.push([genuine], 'text', 42, null, undefined)
  return out
}

describe('entries: the quick check of plain messages', () => {
  test('accepts nothing the schema refuses, and hands back the very value', () => {
    const plain = signMsg(ana, group, { ts: 1_700_000_000_000, text: 'hello', prev: null })
    const chained = signMsg(ana, group, {
      ts: 1_700_000_000_001,
      text: 'again',
      prev: plain.id,
      replyTo: plain.id,
    })
    const withFiles = signMsg(ana, group, {
      ts: 1_700_000_000_002,
      text: '',
      prev: chained.id,
      files: [plain.id],
    })
    let accepted = 0
    let checked = 0
    for (const genuine of [plain.entry, chained.entry, withFiles.entry]) {
      for (const value of variants(genuine)) {
        checked++
        const quick = plainMsgEntry(value)
        if (quick === null) continue
        accepted++
        assert.equal(quick, value)
        const parsed = MsgEntry.safeParse(value)
        assert.ok(parsed.success, `the quick check took what the schema refuses: ${String(value)}`)
        assert.deepEqual(parsed.data, value)
      }
    }
    // The genuine plain messages, and the variants that stay valid.
    assert.ok(plainMsgEntry(plain.entry) === plain.entry)
    assert.ok(plainMsgEntry(chained.entry) === chained.entry)
    assert.equal(plainMsgEntry(withFiles.entry), null, 'attachments go to the schema')
    assert.ok(accepted > 2 && accepted < checked / 4, `${accepted} of ${checked} accepted`)
  })
})
