// The key hierarchy: passphrase → scrypt → key-encryption key → wrapped data key → sealed values.
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { HearthError, type ErrorCode } from '../../api/index.ts'
import { DEFAULT_SCRYPT, randomKey, scryptParamsProblem } from './crypto.ts'
import {
  decodeHeader,
  encodeHeader,
  readHeader,
  unwrapDataKey,
  VAULT_FILE,
  wrapDataKey,
  writeHeader,
} from './header.ts'
import { placeOf, Sealer } from './sealer.ts'

/** Cheap enough for tests; the header records them, so opening uses the same. */
const FAST = { N: 2 ** 10, r: 8, p: 1 }

const dirs: string[] = []
after(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true })
})

function rejectsWith(code: ErrorCode, pattern?: RegExp) {
  return (err: unknown) => {
    assert.ok(err instanceof HearthError, `expected a HearthError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    if (pattern) assert.match(err.message, pattern)
    // One sentence a person can read, never a stack or a JSON blob.
    assert.ok(err.message.length < 300 && !err.message.includes('\n'), err.message)
    return true
  }
}

describe('passphrase and data key', () => {
  test('the data key comes back only with the right passphrase', async () => {
    const key = randomKey()
    const header = await wrapDataKey(key, 'correct horse battery staple', FAST)
    assert.deepEqual(await unwrapDataKey(header, 'correct horse battery staple'), key)
    await assert.rejects(
      unwrapDataKey(header, 'correct horse battery stapl'),
      rejectsWith('WRONG_PASSPHRASE'),
    )
    await assert.rejects(unwrapDataKey(header, ''), rejectsWith('WRONG_PASSPHRASE'))
  })

  test('a Korean passphrase opens whether its Hangul arrives composed or decomposed', async () => {
    const composed = '우리집 화로 2026'
    const decomposed = composed.normalize('NFD')
    assert.notEqual(composed, decomposed)
    const key = randomKey()
    const header = await wrapDataKey(key, composed, FAST)
    assert.deepEqual(await unwrapDataKey(header, decomposed), key)
  })

  test('each wrap has its own salt, so the same passphrase gives unrelated headers', async () => {
    const key = randomKey()
    const a = await wrapDataKey(key, 'same passphrase', FAST)
    const b = await wrapDataKey(key, 'same passphrase', FAST)
    assert.notDeepEqual(a.kdf.salt, b.kdf.salt)
    assert.notDeepEqual(a.wrappedKey, b.wrappedKey)
  })

  test('the default parameters are memory-hard and within what a header may ask for', () => {
    assert.equal(scryptParamsProblem(DEFAULT_SCRYPT), undefined)
    assert.ok(128 * DEFAULT_SCRYPT.N * DEFAULT_SCRYPT.r >= 64 * 1024 * 1024)
  })
})

describe('the header file', () => {
  async function written(): Promise<{ dir: string; file: string; text: string; key: Uint8Array }> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-vault-header-'))
    dirs.push(dir)
    const key = randomKey()
    await writeHeader(dir, await wrapDataKey(key, 'a passphrase', FAST))
    const file = path.join(dir, VAULT_FILE)
    return { dir, file, text: fs.readFileSync(file, 'utf8'), key }
  }

  test('is written in one piece and reads back the same', async () => {
    const { dir, text, key } = await written()
    assert.deepEqual(fs.readdirSync(dir), [VAULT_FILE], 'no temp file is left beside it')
    const header = readHeader(dir)
    assert.ok(header)
    assert.equal(encodeHeader(header), text)
    assert.deepEqual(await unwrapDataKey(header, 'a passphrase'), key)
    assert.equal(readHeader(path.join(dir, 'elsewhere')), undefined, 'no header: not encrypted')
  })

  test('damage is reported as a damaged header, never as a wrong passphrase', async () => {
    const { file, text } = await written()
    const o = JSON.parse(text) as Record<string, unknown> & { kdf: Record<string, unknown> }
    const salt = o.kdf.salt as string
    const flipped = `${salt[0] === 'A' ? 'B' : 'A'}${salt.slice(1)}`
    const cases: [string, string][] = [
      ['truncated', text.slice(0, text.length / 2)],
      ['empty', ''],
      ['not ours', JSON.stringify({ hello: 'world' })],
      ['one character of the salt', text.replace(salt, flipped)],
      ['the wrapped key cut short', JSON.stringify({ ...o, wrappedKey: 'AAAA' })],
      ['an absurd cost', JSON.stringify({ ...o, kdf: { ...o.kdf, N: 2 ** 40 } })],
      ['a cost that is not a number', JSON.stringify({ ...o, kdf: { ...o.kdf, r: '8' } })],
    ]
    for (const [what, bad] of cases) {
      assert.throws(() => decodeHeader(bad, file), rejectsWith('VAULT_DAMAGED', /damaged/), what)
    }
    assert.throws(
      () => decodeHeader(JSON.stringify({ ...o, version: 9 }), file),
      rejectsWith('VAULT_DAMAGED', /newer version of Hearth/),
    )
  })

  test('a header altered on purpose (checksum recomputed) does not unlock', async () => {
    const { file, text } = await written()
    const header = decodeHeader(text, file)
    // Lowering the cost would make guessing cheap: the wrapped key is bound to the parameters.
    const weaker = { ...header, kdf: { ...header.kdf, N: 2 ** 11 } }
    await assert.rejects(
      unwrapDataKey(decodeHeader(encodeHeader(weaker), file), 'a passphrase'),
      rejectsWith('WRONG_PASSPHRASE'),
    )
  })
})

describe('sealing', () => {
  const sealer = new Sealer(randomKey())
  const data = new TextEncoder().encode('dinner at 7?')

  test('opens only at the place it was sealed for, only unchanged, only with its key', () => {
    const place = placeOf('update', 'g1', 1)
    const sealed = sealer.seal(data, place)
    assert.deepEqual(sealer.open(sealed, place, 'A test value'), data)
    assert.ok(!Buffer.from(sealed).includes(Buffer.from(data)), 'no plaintext in the sealed bytes')

    assert.equal(sealer.tryOpen(sealed, placeOf('update', 'g1', 2)), undefined, 'another seq')
    assert.equal(sealer.tryOpen(sealed, placeOf('update', 'g2', 1)), undefined, 'another group')
    assert.equal(sealer.tryOpen(sealed, placeOf('snapshot', 'g1', 1)), undefined, 'another kind')
    for (let i = 0; i < sealed.length; i++) {
      const flipped = sealed.slice()
      flipped[i] = (flipped[i] as number) ^ 0x01
      assert.equal(sealer.tryOpen(flipped, place), undefined, `byte ${i} flipped`)
    }
    assert.equal(sealer.tryOpen(sealed.subarray(0, 20), place), undefined, 'truncated')
    assert.equal(new Sealer(randomKey()).tryOpen(sealed, place), undefined, 'another key')
    assert.throws(
      () => sealer.open(sealed, placeOf('update', 'g2', 1), 'An update of group g2'),
      rejectsWith('STORAGE_FAILED', /An update of group g2 .* changed, moved or damaged/),
    )
  })

  test('the same value sealed twice looks different (random nonces)', () => {
    const place = placeOf('setting', 'name')
    assert.notDeepEqual(sealer.seal(data, place), sealer.seal(data, place))
  })

  test('file names are keyed hashes: stable for one vault, unrelated to the hash itself', () => {
    const hash = 'ab'.repeat(32)
    const name = sealer.name('chunk', hash)
    assert.match(name, /^[0-9a-f]{64}$/)
    assert.equal(sealer.name('chunk', hash), name)
    assert.notEqual(name, hash)
    assert.notEqual(sealer.name('manifest', hash), name, 'kinds do not share names')
    assert.notEqual(new Sealer(randomKey()).name('chunk', hash), name, 'vaults do not either')
  })
})
