import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import * as encoding from 'lib0/encoding'
import * as Y from 'yjs'
import { scanUpdate } from './update-scan.ts'

/** Values as Yjs stores them under map keys: what the scan must read exactly as Yjs does. */
const values: unknown[] = [
  null,
  true,
  false,
  0,
  -5,
  2 ** 40,
  1.5,
  Number.MAX_VALUE,
  '',
  'msgs',
  // Same length, first and last byte: one slot of the scan's string memory, two strings.
  'ab1z',
  'ab2z',
  'hello',
  'héllo wörld ✓ 🙂',
  'x'.repeat(64),
  'x'.repeat(65),
  'y'.repeat(5000),
  '\ufeffstarts with a BOM',
  [],
  [1, 'two', [3]],
  { v: 2, group: 'g', text: 'a' },
  { nested: { deeper: { list: ['a', 'b'] } } },
]

describe('update scan: values', () => {
  test('reads every value to exactly what Yjs holds after applying the update', () => {
    const doc = new Y.Doc()
    const map = doc.getMap('msgs')
    values.forEach((value, i) => map.set(`k${i}`, value))
    // The same strings again, as every entry repeats its field names and its group id.
    values.forEach((value, i) => map.set(`again${i}`, value))
    const update = Y.encodeStateAsUpdate(doc)
    const scan = scanUpdate(update)
    assert.ok(scan.ok, scan.ok ? '' : scan.reason)
    const twin = new Y.Doc()
    Y.applyUpdate(twin, update)
    const held = twin.getMap('msgs')
    assert.equal(scan.entries.length, values.length * 2)
    for (const entry of scan.entries) {
      assert.equal(entry.map, 'msgs')
      assert.deepStrictEqual(entry.value, held.get(entry.key), entry.key)
    }
  })

  test('an object key `__proto__` gives the value a prototype, as lib0 does', () => {
    // Written by hand: Yjs's own writer never emits such a key from a plain object.
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, 1) // one client
    encoding.writeVarUint(e, 1) // one struct
    encoding.writeVarUint(e, 7) // client id
    encoding.writeVarUint(e, 0) // clock
    encoding.writeUint8(e, 8 | 32)
    encoding.writeVarUint(e, 1)
    encoding.writeVarString(e, 'msgs')
    encoding.writeVarString(e, 'key')
    encoding.writeVarUint(e, 1)
    encoding.writeUint8(e, 118) // object
    encoding.writeVarUint(e, 2)
    encoding.writeVarString(e, '__proto__')
    encoding.writeAny(e, { text: 'inherited' })
    encoding.writeVarString(e, 'own')
    encoding.writeAny(e, 'yes')
    encoding.writeVarUint(e, 0) // no deletions
    const scan = scanUpdate(encoding.toUint8Array(e))
    assert.ok(scan.ok)
    const value = scan.entries[0]?.value as Record<string, unknown>
    assert.deepEqual(Object.keys(value), ['own'])
    assert.equal(value.text, 'inherited')
  })

  test('malformed strings are refused as lib0 refuses them', () => {
    const e = encoding.createEncoder()
    encoding.writeVarUint(e, 1)
    encoding.writeVarUint(e, 1)
    encoding.writeVarUint(e, 7)
    encoding.writeVarUint(e, 0)
    encoding.writeUint8(e, 8 | 32)
    encoding.writeVarUint(e, 1)
    encoding.writeVarString(e, 'msgs')
    encoding.writeVarUint8Array(e, new Uint8Array([0xc3, 0x28])) // not UTF-8
    encoding.writeVarUint(e, 1)
    encoding.writeAny(e, 'v')
    encoding.writeVarUint(e, 0)
    const scan = scanUpdate(encoding.toUint8Array(e))
    assert.equal(scan.ok, false)
  })
})
