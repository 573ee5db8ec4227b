import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  CONFIRM_BYTES,
  CpaceError,
  ISK_BYTES,
  SHARE_BYTES,
  encodedGenerator,
  isValidShare,
  lvCat,
  respond,
  startInitiator,
  type CpaceInputs,
} from './cpace.ts'

const utf8 = new TextEncoder()
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'))
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex')

// The draft's own vectors for CPACE-RISTR255-SHA512 (draft-irtf-cfrg-cpace, appendix
// "Test vector for CPace using group ristretto255 and hash SHA-512").
const draft = {
  password: utf8.encode('Password'),
  channel: hex('0b415f696e69746961746f720b425f726573706f6e646572'),
  sid: hex('7e4b4791d6a8ef019b936c79fb7f2c57'),
  initiatorData: utf8.encode('ADa'),
  responderData: utf8.encode('ADb'),
  g: '222b6b195fe84b1652badb6f6a3ae3d24341e7306967f0b8115b40d5698c7e56',
  ya: hex('da3d23700a9e5699258aef94dc060dfda5ebb61f02a5ea77fad53f4ff0976d08'),
  Ya: 'd6bac480f2c386c394efc7c47adb9925dcd2630b64f240c50f8d0eec482b9157',
  yb: hex('d2316b454718c35362d83d69df6320f38578ed5984651435e2949762d900b80d'),
  Yb: '3ea7e0b19560d7c0b0f5734f63b955286dfa8232b5ebe63324e2d9e7433f7258',
  isk:
    'b69effbf61b51d56401c0f65601abe428de8206feaaf0e32198896dcae7b35cd' +
    '2b38950a39dfd5d4a79164614c2984f7daa460b588c1e80c3fa2068af7900447',
}

function inputs(password: string, over: Partial<CpaceInputs> = {}): CpaceInputs {
  return {
    password: utf8.encode(password),
    channel: utf8.encode('test channel'),
    sid: crypto.getRandomValues(new Uint8Array(16)),
    initiatorData: utf8.encode('initiator'),
    responderData: utf8.encode('responder'),
    ...over,
  }
}

/** Runs both sides in memory; returns both key sets. */
function run(a: CpaceInputs, b: CpaceInputs) {
  const ini = startInitiator(a)
  const res = respond(b, ini.share)
  return { ini: ini.finish(res.share), res: res.keys }
}

describe('cpace: the draft vectors (ristretto255, SHA-512)', () => {
  test('lv_cat matches the draft', () => {
    const parts = ['1234', '5', '', '678'].map((s) => utf8.encode(s))
    assert.equal(toHex(lvCat(...parts)), '043132333401350003363738')
  })

  test('generator, shares and ISK match the draft byte for byte', () => {
    assert.equal(toHex(encodedGenerator(draft)), draft.g)
    const a = startInitiator(draft, draft.ya)
    assert.equal(toHex(a.share), draft.Ya)
    const b = respond(draft, a.share, draft.yb)
    assert.equal(toHex(b.share), draft.Yb)
    assert.equal(toHex(b.keys.isk), draft.isk)
    assert.equal(toHex(a.finish(b.share).isk), draft.isk)
  })

  test('the draft invalid encodings are refused', () => {
    const a = startInitiator(draft, draft.ya)
    const notCanonical = hex('2b3c6b8c4f3800e7aef6864025b4ed79bd599117e427c41bd47d93d654b4a51c')
    const identity = new Uint8Array(32)
    for (const bad of [notCanonical, identity]) {
      assert.equal(isValidShare(bad), false)
      assert.throws(() => a.finish(bad), CpaceError)
      assert.throws(() => respond(draft, bad), CpaceError)
    }
  })
})

describe('cpace: runs', () => {
  test('same code: equal ISK, and each side accepts the other confirmation', () => {
    const sid = crypto.getRandomValues(new Uint8Array(16))
    const { ini, res } = run(inputs('12345678', { sid }), inputs('12345678', { sid }))
    assert.equal(ini.isk.length, ISK_BYTES)
    assert.deepEqual(ini.isk, res.isk)
    assert.equal(ini.confirm.length, CONFIRM_BYTES)
    assert.notDeepEqual(ini.confirm, res.confirm, 'the two tags differ, so a reflected tag fails')
    assert.ok(ini.verifyPeer(res.confirm))
    assert.ok(res.verifyPeer(ini.confirm))
    assert.ok(!ini.verifyPeer(ini.confirm))
    assert.ok(!res.verifyPeer(res.confirm))
  })

  test('different code: different ISK, confirmations rejected both ways', () => {
    const sid = crypto.getRandomValues(new Uint8Array(16))
    const { ini, res } = run(inputs('12345678', { sid }), inputs('12345679', { sid }))
    assert.notDeepEqual(ini.isk, res.isk)
    assert.ok(!ini.verifyPeer(res.confirm))
    assert.ok(!res.verifyPeer(ini.confirm))
  })

  for (const field of ['channel', 'sid', 'initiatorData', 'responderData'] as const) {
    test(`a mismatched ${field} gives different keys (a relay between two channels fails)`, () => {
      const sid = crypto.getRandomValues(new Uint8Array(16))
      const a = inputs('12345678', { sid })
      const b = inputs('12345678', { sid, [field]: utf8.encode('something else') })
      const { ini, res } = run(a, b)
      assert.notDeepEqual(ini.isk, res.isk)
      assert.ok(!res.verifyPeer(ini.confirm))
    })
  }

  test('a tampered share is rejected or yields keys that do not confirm', () => {
    const sid = crypto.getRandomValues(new Uint8Array(16))
    const a = inputs('12345678', { sid })
    const ini = startInitiator(a)
    const res = respond(a, ini.share)
    for (let bit = 0; bit < SHARE_BYTES * 8; bit += 7) {
      const tampered = Uint8Array.from(res.share)
      tampered[bit >> 3]! ^= 1 << (bit & 7)
      let keys
      try {
        keys = ini.finish(tampered)
      } catch (err) {
        assert.ok(err instanceof CpaceError)
        continue
      }
      assert.notDeepEqual(keys.isk, res.keys.isk)
      assert.ok(!res.keys.verifyPeer(keys.confirm))
      assert.ok(!keys.verifyPeer(res.keys.confirm))
    }
  })

  test('wrong-length shares and tags are refused', () => {
    const a = inputs('12345678')
    const ini = startInitiator(a)
    assert.throws(() => ini.finish(new Uint8Array(31)), CpaceError)
    assert.throws(() => respond(a, new Uint8Array(33)), CpaceError)
    const { keys } = respond(a, ini.share)
    const peerKeys = ini.finish(respond(a, ini.share).share)
    assert.ok(!keys.verifyPeer(peerKeys.confirm.subarray(0, 32)))
    assert.ok(!keys.verifyPeer(new Uint8Array(0)))
  })
})
