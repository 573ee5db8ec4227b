import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { EntryId } from '../../api/index.ts'
import { base32, entryId, groupIdFor, randomId } from './ids.ts'
import { checkSeal, payloadBytes, seal, tags } from './sealed.ts'
import { isEd25519PeerId, makeSigner, verify } from './signing.ts'
import { makeSigners } from './testing.ts'

const utf8 = new TextEncoder()

describe('base32 and ids', () => {
  test('base32 matches the RFC 4648 vectors, lowercase and unpadded', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'my'],
      ['fo', 'mzxq'],
      ['foo', 'mzxw6'],
      ['foob', 'mzxw6yq'],
      ['fooba', 'mzxw6ytb'],
      ['foobar', 'mzxw6ytboi'],
    ]
    for (const [input, expected] of vectors) assert.equal(base32(utf8.encode(input)), expected)
  })

  test('entry ids are 26 characters of the EntryId shape and commit to payload and signature', () => {
    const a = entryId(utf8.encode('payload'), new Uint8Array(64))
    assert.equal(a.length, 26)
    assert.ok(EntryId.safeParse(a).success)
    assert.notEqual(a, entryId(utf8.encode('payload!'), new Uint8Array(64)))
    assert.notEqual(a, entryId(utf8.encode('payload'), new Uint8Array(64).fill(1)))
    assert.ok(EntryId.safeParse(randomId()).success)
  })

  test('group ids derive from the founder and the nonce', () => {
    const nonce = randomId()
    const id = groupIdFor('12D3KooWfounder', nonce)
    assert.ok(EntryId.safeParse(id).success)
    assert.equal(id, groupIdFor('12D3KooWfounder', nonce))
    assert.notEqual(id, groupIdFor('12D3KooWsomeoneelse', nonce))
    assert.notEqual(id, groupIdFor('12D3KooWfounder', randomId()))
  })
})

describe('signing', () => {
  test('a signature verifies with the signer peer id and nothing else', async () => {
    const [alice, bob] = await makeSigners(2)
    assert.ok(alice && bob)
    const data = utf8.encode('hello')
    const sig = alice.sign(data)
    assert.equal(sig.length, 64)
    assert.ok(verify(alice.peerId, data, sig))
    assert.equal(verify(bob.peerId, data, sig), false, 'wrong key')
    assert.equal(verify(alice.peerId, utf8.encode('hellO'), sig), false, 'tampered data')
    const flipped = sig.slice()
    flipped[10] = (flipped[10] ?? 0) ^ 1
    assert.equal(verify(alice.peerId, data, flipped), false, 'tampered signature')
    assert.equal(verify(alice.peerId, data, sig.subarray(0, 63)), false, 'short signature')
  })

  test('node:crypto signatures interoperate with libp2p keys', async () => {
    const key = await generateKeyPair('Ed25519')
    const signer = makeSigner(key)
    assert.equal(signer.peerId, peerIdFromPrivateKey(key).toString())
    const data = utf8.encode('interop')
    assert.ok(await key.publicKey.verify(data, signer.sign(data)))
    assert.ok(verify(signer.peerId, data, await key.sign(data)))
  })

  test('non-Ed25519 and malformed peer ids never verify', async () => {
    const secp = await generateKeyPair('secp256k1')
    const secpId = peerIdFromPrivateKey(secp).toString()
    const data = utf8.encode('x')
    assert.equal(isEd25519PeerId(secpId), false)
    assert.equal(verify(secpId, data, new Uint8Array(64)), false)
    assert.equal(verify('not-a-peer-id', data, new Uint8Array(64)), false)
    assert.equal(verify('', data, new Uint8Array(64)), false)
  })

  test('seals are bound to their domain tag and group', async () => {
    const [alice] = await makeSigners(1)
    assert.ok(alice)
    const fields = [tags.msg, 'group-a', alice.peerId, 1, 'hi', null]
    const sealed = seal(alice, fields)
    assert.deepEqual(checkSeal(alice.peerId, fields, sealed.sig), { ok: true, id: sealed.id })
    assert.equal(checkSeal(alice.peerId, [tags.act, ...fields.slice(1)], sealed.sig).ok, false)
    assert.equal(
      checkSeal(alice.peerId, [tags.msg, 'group-b', ...fields.slice(2)], sealed.sig).ok,
      false,
    )
    assert.equal(sealed.id, entryId(payloadBytes(fields), Buffer.from(sealed.sig, 'base64url')))
  })

  test('a non-canonical spelling of a valid signature is refused', async () => {
    const [alice] = await makeSigners(1)
    assert.ok(alice)
    const fields = [tags.msg, 'g', alice.peerId, 1, 'hi', null]
    const { sig } = seal(alice, fields)
    // The last base64url character carries 2 bits of data and 4 unused bits.
    const last = sig.at(-1) ?? 'A'
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const variant = alphabet[(alphabet.indexOf(last) & 0b110000) | 0b0001] ?? 'B'
    const other = sig.slice(0, -1) + variant
    assert.deepEqual(Buffer.from(other, 'base64url'), Buffer.from(sig, 'base64url'))
    assert.equal(checkSeal(alice.peerId, fields, other).ok, false)
  })
})
