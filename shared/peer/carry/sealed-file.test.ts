// The sealed container and its primitives: records round-trip across segment borders, and every
// kind of damage (cut short, a flipped byte anywhere, segments swapped, bytes appended, the wrong
// key) ends in a SealedFileError rather than in wrong plaintext.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { HearthError } from '../../api/index.ts'
import {
  SEGMENT_BYTES,
  SealedFileError,
  SealedFileReader,
  SealedFileWriter,
} from './sealed-file.ts'
import { acceptableScrypt, decoyStanza, random, unwrap, unwrapKeyFor, wrapFor } from './seal.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-sealed-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

const key = random(32)
const header = new TextEncoder().encode('TESTHEAD')
const records = [
  { type: 1, bytes: new TextEncoder().encode('{"hello":"world"}') },
  { type: 2, bytes: new Uint8Array(0) },
  // Spans several segments, and ends exactly on a segment border with the records before it.
  { type: 3, bytes: random(3 * SEGMENT_BYTES - 5 - 17 - 5 - 5 - 5) },
  { type: 4, bytes: random(1000) },
]

let n = 0
async function write(list = records, name = `f${n++}`): Promise<string> {
  const file = path.join(dir, name)
  const writer = await SealedFileWriter.create(file, header, key)
  for (const r of list) await writer.record(r.type, r.bytes)
  await writer.finish()
  return file
}

async function readAll(file: string, withKey = key) {
  const reader = await SealedFileReader.open(file)
  try {
    // The header is not compared here: a changed one must fail through the segments' AAD.
    await reader.header(header.length)
    reader.start(withKey)
    const out: { type: number; bytes: Uint8Array }[] = []
    for (;;) {
      const r = await reader.next(() => 4 * SEGMENT_BYTES)
      if (r === null) return out
      out.push(r)
    }
  } finally {
    await reader.close()
  }
}

async function rejects(file: string, kind?: 'truncated' | 'damaged', withKey = key) {
  await assert.rejects(readAll(file, withKey), (err: unknown) => {
    assert.ok(err instanceof SealedFileError, `expected a SealedFileError, got ${String(err)}`)
    if (kind !== undefined) assert.equal(err.kind, kind)
    return true
  })
}

function mutate(file: string, change: (bytes: Buffer) => Buffer): string {
  const out = `${file}-${n++}`
  fs.writeFileSync(out, change(fs.readFileSync(file)))
  return out
}

describe('sealed files', () => {
  test('records round-trip, across segment borders, with nothing left behind', async () => {
    const file = await write()
    assert.deepEqual(await readAll(file), records)
    assert.deepEqual(await readAll(await write([])), [])
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.hearth-part')),
      [],
      'no temp file stays',
    )
    assert.equal(fs.statSync(file).mode & 0o777, 0o600)
  })

  test('an existing file is refused unless replacing, and then replaced whole', async () => {
    const file = await write()
    await assert.rejects(
      SealedFileWriter.create(file, header, key),
      (err: unknown) => err instanceof HearthError && err.code === 'FILE_EXISTS',
    )
    const writer = await SealedFileWriter.create(file, header, key, { replace: true })
    await writer.record(9, new Uint8Array([1, 2, 3]))
    // Until finish, the old file is what is there.
    assert.deepEqual(await readAll(file), records)
    await writer.finish()
    assert.deepEqual(await readAll(file), [{ type: 9, bytes: new Uint8Array([1, 2, 3]) }])
  })

  test('a missing folder, a missing file or a folder for a file: one sentence each', async () => {
    const code = (c: string) => (err: unknown) => err instanceof HearthError && err.code === c
    await assert.rejects(
      SealedFileWriter.create(path.join(dir, 'no-such-folder', 'x'), header, key),
      code('BAD_INPUT'),
    )
    await assert.rejects(SealedFileWriter.create(dir, header, key), code('BAD_INPUT'))
    await assert.rejects(SealedFileReader.open(path.join(dir, 'nothing')), code('FILE_NOT_FOUND'))
    await assert.rejects(SealedFileReader.open(dir), code('BAD_INPUT'))
  })

  test('a file cut short anywhere is refused', async () => {
    const file = await write()
    const size = fs.statSync(file).size
    for (const keep of [
      0,
      3,
      header.length + 2,
      header.length + 100,
      size - SEGMENT_BYTES,
      size - 1,
    ]) {
      await rejects(
        mutate(file, (b) => b.subarray(0, keep)),
        keep < header.length ? 'truncated' : undefined,
      )
    }
  })

  test('one flipped byte anywhere, swapped segments, appended bytes or another key: refused', async () => {
    const file = await write()
    const bytes = fs.readFileSync(file)
    for (const at of [
      0,
      5,
      header.length,
      header.length + 4,
      header.length + 5000,
      bytes.length - 1,
    ]) {
      const flipped = mutate(file, (b) => {
        const c = Buffer.from(b)
        c[at] = (c[at] as number) ^ 0x01
        return c
      })
      await rejects(flipped, 'damaged')
    }
    const first = header.length
    const segment = 4 + SEGMENT_BYTES + 16
    await rejects(
      mutate(file, (b) =>
        Buffer.concat([
          b.subarray(0, first),
          b.subarray(first + segment, first + 2 * segment),
          b.subarray(first, first + segment),
          b.subarray(first + 2 * segment),
        ]),
      ),
      'damaged',
    )
    await rejects(
      mutate(file, (b) => Buffer.concat([b, Buffer.from([0])])),
      'damaged',
    )
    await rejects(file, 'damaged', random(32))
  })

  test('a record over its cap is refused before it is read', async () => {
    const file = await write()
    const reader = await SealedFileReader.open(file)
    await reader.header(header.length)
    reader.start(key)
    await assert.rejects(
      reader.next(() => 4),
      SealedFileError,
    )
    await reader.close()
  })
})

describe('key wrapping for device keys', () => {
  test('only the device a key was wrapped for unwraps it; decoys open for nobody', async () => {
    const [ana, bo] = [await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519')]
    const secret = random(32)
    const stanza = wrapFor(ana.publicKey.raw, secret, 'test')
    const anaKey = unwrapKeyFor(ana.raw.subarray(0, 32))
    assert.deepEqual(unwrap(anaKey, stanza, 'test'), secret)
    assert.equal(unwrap(unwrapKeyFor(bo.raw.subarray(0, 32)), stanza, 'test'), null)
    assert.equal(unwrap(anaKey, stanza, 'other purpose'), null)
    assert.equal(unwrap(anaKey, decoyStanza(), 'test'), null)
    const bent = Uint8Array.from(stanza)
    bent[40] = (bent[40] as number) ^ 1
    assert.equal(unwrap(anaKey, bent, 'test'), null)
  })

  test('scrypt settings read from a file are bounded', () => {
    assert.ok(acceptableScrypt({ logN: 17, r: 8, p: 1 }))
    assert.ok(!acceptableScrypt({ logN: 30, r: 8, p: 1 }), 'a memory bomb')
    assert.ok(!acceptableScrypt({ logN: 4, r: 8, p: 1 }), 'too weak')
    assert.ok(!acceptableScrypt({ logN: 20, r: 32, p: 16 }))
  })
})
