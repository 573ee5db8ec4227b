// Bundles between replicas in memory: the group's state travels in parts that each apply on
// their own, and a bundle that authenticates (it was sealed by a member) but holds an entry
// that does not verify is refused whole, before anything is applied or stored.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { HearthError } from '../../api/index.ts'
import { GroupReplica } from '../groups/replica.ts'
import { makeSigner } from '../groups/signing.ts'
import { idOf, join, ManualTime, options, pull, signMsg } from '../groups/testing.ts'
import { BlobStore } from '../shelves/blob-store.ts'
import { exportBundle, importBundle, stateParts, type BundleTarget } from './bundle.ts'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-bundle-unit-'))
after(() => fs.rmSync(dir, { recursive: true, force: true }))

const [anaKey, boKey] = [await generateKeyPair('Ed25519'), await generateKeyPair('Ed25519')]
const [ana, bo] = [makeSigner(anaKey), makeSigner(boKey)]
let n = 0

async function setup() {
  const time = new ManualTime()
  const a = GroupReplica.create('Kitchen', options(ana, time, 'Ana'))
  time.now += 1000
  const b = await join(a, a, bo, time)
  await pull(a, b)
  const blobs = await BlobStore.open(fs.mkdtempSync(path.join(dir, 'blobs-')))
  const target = (replica: GroupReplica): BundleTarget => ({
    privateKeyRaw: boKey.raw,
    group: () => replica,
    blobs,
    origin: 'bundle',
    shelfChanged: () => {},
    takeMarkers: () => {},
  })
  const save = async (replica: GroupReplica) => {
    const file = path.join(dir, `b${n++}.bundle`)
    await exportBundle(
      { replica, markers: [], blobs, self: ana.peerId, now: time.read },
      { path: file },
    )
    return file
  }
  return { a, b, time, target, save }
}

describe('bundles, in memory', () => {
  test('the state goes in parts of one or more Yjs clients, each applying on its own', async () => {
    const { a, b, time } = await setup()
    // Several sessions (Yjs clients) of both devices, as after restarts.
    let devA = a
    for (let i = 0; i < 4; i++) {
      devA.sendMessage(`a${i}`.repeat(200))
      devA = GroupReplica.load(a.groupId, [devA.snapshot()], options(ana, time, 'Ana'))
    }
    await pull(b, devA)
    b.sendMessage('from bo')
    await pull(devA, b)
    const parts = stateParts(devA.doc, 600)
    assert.ok(parts.length >= 4, `${parts.length} parts`)
    // Any order, any subset first: no part ever waits for another.
    const fresh = GroupReplica.empty(a.groupId, options(bo, time, 'Bo'))
    for (const part of [...parts].reverse()) {
      const result = await fresh.applyRemote(part, 'bundle')
      assert.equal(result.kind, 'applied')
    }
    assert.equal(
      Buffer.from(fresh.stateVector()).toString('hex'),
      Buffer.from(devA.stateVector()).toString('hex'),
    )
    assert.deepEqual(fresh.messages(), devA.messages())
  })

  test('a sealed bundle holding an entry that does not verify is refused, and nothing moves', async () => {
    const { a, b, time, target, save } = await setup()
    a.sendMessage('a real message')
    // A buggy or hostile member's device holds an entry that claims Bo wrote something else.
    const real = signMsg(bo, a.groupId, { ts: ++time.now, text: 'I agree' })
    const forged = { ...real.entry, text: 'I owe Ana money' }
    a.doc.getMap('msgs').set(idOf('msgs', forged), forged)
    const file = await save(a)
    const before = Buffer.from(b.snapshot()).toString('base64')
    await assert.rejects(importBundle(target(b), file), (err: unknown) => {
      assert.ok(err instanceof HearthError)
      assert.equal(err.code, 'DAMAGED_FILE')
      assert.match(err.message, /do not verify/)
      return true
    })
    assert.equal(Buffer.from(b.snapshot()).toString('base64'), before)
    assert.equal(b.messageCount(), 0)
  })
})
