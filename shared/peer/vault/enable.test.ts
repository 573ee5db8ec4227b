// Turning encryption on for a folder that already holds data: everything comes over, no plaintext
// stays, and a crash at either side of the commit leaves a folder that opens with nothing lost.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { describe, test, type TestContext } from 'node:test'
import { privateKeyToProtobuf } from '@libp2p/crypto/keys'
import * as Y from 'yjs'
import { HearthError, type ErrorCode } from '../../api/index.ts'
import { IDENTITY_FILE, loadOrCreateDeviceKey } from '../identity.ts'
import { createPeer } from '../peer.ts'
import { BlobStore } from '../shelves/blob-store.ts'
import { listTree, tempDir } from '../shelves/test-fixtures.ts'
import { DATABASE_FILE, openSqliteStore } from '../storage/sqlite.ts'
import { enableVault } from './enable.ts'
import { VAULT_FILE } from './header.ts'
import { changePassphrase, isSealed, SEALED_DIR, unlockVault, type Vault } from './vault.ts'

const FAST = { N: 2 ** 10, r: 8, p: 1 }
const PASS = 'a long family passphrase'
const SECRETS = ['Grandma’s birthday is on Sunday', '우리 가족 비밀 메시지', 'Kim family']
const RECEIPT = { reader: 'peerB', ts: 7, messageId: 'lastreadmessageid', sig: 'receiptsignature' }

/** A plaintext folder as a peer leaves it: key, groups with history, settings, peers, a file. */
async function plaintextFolder(t: TestContext) {
  const dir = tempDir(t, 'enable')
  const key = await loadOrCreateDeviceKey(dir)
  const store = openSqliteStore(dir)
  const doc = new Y.Doc()
  const updates: Uint8Array[] = []
  doc.on('update', (u: Uint8Array) => updates.push(u))
  for (const text of SECRETS) doc.getMap('msgs').set(text, text)
  store.addGroup('family', 5)
  for (const u of updates) store.appendUpdate('family', u)
  store.compact('family', Y.encodeStateAsUpdate(doc), 2)
  store.putReceipts('family', [RECEIPT])
  store.setSetting('name', 'Kim family')
  store.setSetting('tcpPort', '4001')
  store.rememberPeer('peerB', ['/ip4/192.168.7.7/tcp/4001'], 9)
  store.close()
  const blobs = await BlobStore.open(dir)
  const content = Buffer.concat([Buffer.from(SECRETS[0] as string), randomBytes(3000)])
  const file = path.join(path.dirname(dir), `${path.basename(dir)}-menu.bin`)
  fs.writeFileSync(file, content)
  t.after(() => fs.rmSync(file, { force: true }))
  const manifest = await blobs.importFile(file)
  return { dir, key, doc, content, manifest }
}

/** The folder's whole content: relative path → sha256, to prove nothing changed. */
async function fingerprint(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const f of await listTree(dir)) {
    out.set(
      f,
      createHash('sha256')
        .update(fs.readFileSync(path.join(dir, f)))
        .digest('hex'),
    )
  }
  return out
}

async function assertHoldsEverything(
  vault: Vault,
  folder: Awaited<ReturnType<typeof plaintextFolder>>,
) {
  const store = vault.store(openSqliteStore(vault.dir))
  try {
    const doc = new Y.Doc()
    for (const u of store.loadUpdates('family')) Y.applyUpdate(doc, u)
    assert.deepEqual(doc.getMap('msgs').toJSON(), folder.doc.getMap('msgs').toJSON())
    assert.deepEqual(store.listGroups(), [{ groupId: 'family', joinedAt: 5 }])
    assert.deepEqual(store.receipts('family'), [RECEIPT])
    assert.equal(store.getSetting('name'), 'Kim family')
    assert.equal(store.getSetting('tcpPort'), '4001')
    assert.deepEqual(store.knownPeers(), [
      { peerId: 'peerB', addrs: ['/ip4/192.168.7.7/tcp/4001'], seenAt: 9 },
    ])
  } finally {
    store.close()
  }
  const key = await loadOrCreateDeviceKey(vault.dir, vault.identity)
  assert.deepEqual(privateKeyToProtobuf(key), privateKeyToProtobuf(folder.key), 'same device key')
  const blobs = await BlobStore.open(vault.dir, { sealing: vault.blobs })
  const out = path.join(path.dirname(vault.dataDir), `${path.basename(vault.dataDir)}-out.bin`)
  try {
    await blobs.exportTo(folder.manifest, out)
    assert.ok(fs.readFileSync(out).equals(folder.content))
  } finally {
    fs.rmSync(out, { force: true })
  }
}

function assertNoPlaintext(dir: string) {
  for (const name of [DATABASE_FILE, `${DATABASE_FILE}-wal`, IDENTITY_FILE, 'blobs']) {
    assert.ok(!fs.existsSync(path.join(dir, name)), `${name} is gone`)
  }
  for (const file of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const full = path.join(dir, file)
    if (!fs.statSync(full).isFile()) continue
    const bytes = fs.readFileSync(full)
    for (const secret of SECRETS)
      assert.ok(!bytes.includes(Buffer.from(secret)), `${file}: ${secret}`)
  }
}

function rejectsWith(code: ErrorCode) {
  return (err: unknown) => err instanceof HearthError && err.code === code
}

describe('turning encryption on', () => {
  test('keeps everything, leaves no plaintext, and needs the passphrase from then on', async (t) => {
    const folder = await plaintextFolder(t)
    const vault = await enableVault(folder.dir, PASS, { params: FAST })
    assert.ok(isSealed(folder.dir))
    assertNoPlaintext(folder.dir)
    await assertHoldsEverything(vault, folder)
    await assertHoldsEverything(await unlockVault(folder.dir, PASS), folder)
    await assert.rejects(enableVault(folder.dir, PASS, { params: FAST }), rejectsWith('BAD_INPUT'))
  })

  test('a wrong passphrase or a damaged header changes no byte of the folder', async (t) => {
    const folder = await plaintextFolder(t)
    await enableVault(folder.dir, PASS, { params: FAST })
    // Debris a crash could leave is still there afterwards: only a right passphrase tidies up.
    fs.writeFileSync(path.join(folder.dir, `${'ab'.repeat(12)}.tmp`), 'x')
    const before = await fingerprint(folder.dir)
    await assert.rejects(unlockVault(folder.dir, 'not it at all'), rejectsWith('WRONG_PASSPHRASE'))
    await assert.rejects(
      changePassphrase(folder.dir, 'not it at all', 'another one', FAST),
      rejectsWith('WRONG_PASSPHRASE'),
    )
    assert.deepEqual(await fingerprint(folder.dir), before)
    const header = path.join(folder.dir, VAULT_FILE)
    const good = fs.readFileSync(header)
    fs.writeFileSync(header, good.subarray(0, 40))
    const damaged = await fingerprint(folder.dir)
    await assert.rejects(unlockVault(folder.dir, PASS), rejectsWith('VAULT_DAMAGED'))
    assert.deepEqual(await fingerprint(folder.dir), damaged)
    fs.writeFileSync(header, good)
    await unlockVault(folder.dir, PASS)
    assert.ok(!fs.existsSync(path.join(folder.dir, `${'ab'.repeat(12)}.tmp`)))
  })

  test('changing the passphrase rewrites the header only', async (t) => {
    const folder = await plaintextFolder(t)
    await enableVault(folder.dir, PASS, { params: FAST })
    const sealed = await fingerprint(path.join(folder.dir, SEALED_DIR))
    await changePassphrase(folder.dir, PASS, 'the new one, longer', FAST)
    assert.deepEqual(await fingerprint(path.join(folder.dir, SEALED_DIR)), sealed)
    await assert.rejects(unlockVault(folder.dir, PASS), rejectsWith('WRONG_PASSPHRASE'))
    await assertHoldsEverything(await unlockVault(folder.dir, 'the new one, longer'), folder)
  })

  test('a crash before the header is written leaves the plaintext folder as it was', async (t) => {
    const folder = await plaintextFolder(t)
    // The state at that moment: the plaintext files, a complete sealed copy, no header.
    const copy = tempDir(t, 'enable-copy')
    fs.cpSync(folder.dir, copy, { recursive: true })
    await enableVault(copy, PASS, { params: FAST })
    fs.cpSync(path.join(copy, SEALED_DIR), path.join(folder.dir, SEALED_DIR), { recursive: true })
    fs.writeFileSync(path.join(folder.dir, `${'cd'.repeat(12)}.tmp`), 'half a header')

    assert.equal(isSealed(folder.dir), false)
    const store = openSqliteStore(folder.dir)
    assert.equal(store.getSetting('name'), 'Kim family', 'the plaintext store opens untouched')
    store.close()
    // Trying again starts over from the plaintext files and ends complete.
    const vault = await enableVault(folder.dir, 'second try passphrase', { params: FAST })
    assertNoPlaintext(folder.dir)
    await assertHoldsEverything(vault, folder)
  })

  test('a crash after the header is written loses nothing; unlocking removes the plaintext', async (t) => {
    const folder = await plaintextFolder(t)
    const plaintext = tempDir(t, 'enable-plain')
    fs.cpSync(folder.dir, plaintext, { recursive: true })
    await enableVault(folder.dir, PASS, { params: FAST })
    // Put the plaintext back, as if the crash came before it was removed.
    fs.cpSync(plaintext, folder.dir, { recursive: true })
    assert.ok(fs.existsSync(path.join(folder.dir, DATABASE_FILE)))
    const vault = await unlockVault(folder.dir, PASS)
    assertNoPlaintext(folder.dir)
    await assertHoldsEverything(vault, folder)
  })

  test('a folder that lost its header is refused, not started afresh as a plaintext one', async (t) => {
    const folder = await plaintextFolder(t)
    await enableVault(folder.dir, PASS, { params: FAST })
    const header = path.join(folder.dir, VAULT_FILE)
    fs.renameSync(header, `${header}.away`)
    const before = await fingerprint(folder.dir)
    await assert.rejects(
      createPeer({ dataDir: folder.dir, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false }),
      (err: unknown) =>
        rejectsWith('VAULT_DAMAGED')(err) && /vault\.json is missing/.test((err as Error).message),
    )
    assert.deepEqual(await fingerprint(folder.dir), before)
  })

  test('an empty folder can be encrypted before the peer ever ran in it', async (t) => {
    const dir = tempDir(t, 'enable-empty')
    const vault = await enableVault(dir, PASS, { params: FAST })
    assert.deepEqual(fs.readdirSync(dir).sort(), [SEALED_DIR, VAULT_FILE])
    const key = await loadOrCreateDeviceKey(vault.dir, vault.identity)
    const again = await unlockVault(dir, PASS)
    const reloaded = await loadOrCreateDeviceKey(again.dir, again.identity)
    assert.deepEqual(privateKeyToProtobuf(reloaded), privateKeyToProtobuf(key))
    assert.ok(!fs.existsSync(path.join(dir, IDENTITY_FILE)))
  })
})
