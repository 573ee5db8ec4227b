// Carry-over bundles between two members whose peers never connect: Ana's and Bo's devices are
// kept apart (each refuses the other), so everything one learns of the other comes on the
// "stick". After a bundle each way, both replicas are identical. Only current members can open a
// bundle; an altered one changes nothing; importing one twice changes nothing.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import * as Y from 'yjs'
import { HearthError, type ErrorCode } from '../../shared/api/errors.ts'
import type { Peer } from '../../shared/peer/peer.ts'
import { openSqliteStore } from '../../shared/peer/storage/sqlite.ts'
import { PeerSet, until, type TestPeer } from '../helpers/peers.ts'
import { tempDirs } from '../helpers/proc.ts'

const peers = new PeerSet()
const dirs = tempDirs()
after(async () => {
  await peers.cleanup()
  dirs.removeAll()
})

function failsWith(code: ErrorCode) {
  return (err: unknown) => {
    assert.ok(err instanceof HearthError, `expected a HearthError, got ${String(err)}`)
    assert.equal(err.code, code, err.message)
    return true
  }
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

/** A device key, and a peer that refuses to talk to the devices named in `apart`. */
async function device(): Promise<{ key: Ed25519PrivateKey; id: string }> {
  const key = await generateKeyPair('Ed25519')
  return { key, id: peerIdFromPrivateKey(key).toString() }
}

async function startApart(name: string, self: { key: Ed25519PrivateKey }, apart: string[]) {
  return peers.start(name, {
    privateKey: self.key,
    node: { isBlocked: (peerId: string) => apart.includes(peerId) },
  })
}

/** What a person sees of the group, and the files on disk (sorted). */
async function view(peer: Peer, group: string) {
  return {
    messages: await peer.handlers['messages.list']({ group, limit: 1000 }),
    shelf: await peer.handlers['shelf.list']({ group }),
    groups: await peer.handlers['groups.list']({}),
  }
}

function blobFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'blobs')
  return (fs.readdirSync(root, { recursive: true }) as string[]).sort()
}

/** The group's Yjs state as stored, read once the peer has stopped. */
function storedState(dataDir: string, groupId: string): { sv: string; doc: Y.Doc } {
  const store = openSqliteStore(dataDir)
  try {
    const doc = new Y.Doc()
    for (const update of store.loadUpdates(groupId)) Y.applyUpdate(doc, update)
    return { sv: Buffer.from(Y.encodeStateVector(doc)).toString('hex'), doc }
  } finally {
    store.close()
  }
}

describe('carry-over bundles', () => {
  test('two members who never meet exchange a group through bundles and end identical; strangers and removed members cannot open them; altered or repeated bundles change nothing', async () => {
    const work = dirs.make('bundle-work')
    const [a, b] = [await device(), await device()]
    // Cy is the bridge that lets Bo join while Ana and Bo never touch; Eve joins and is removed.
    const ana = await startApart('Ana', a, [b.id])
    const cy = await peers.start('Cy')
    const { groupId, invite } = await ana.peer.handlers['groups.create']({ name: 'Family' })
    await cy.peer.handlers['groups.join']({ invite })
    await until(ana.peer, 'Ana sees Cy connected', async () =>
      (await ana.peer.handlers['peers.list']({})).some((p) => p.name === 'Cy' && p.connected),
    )
    const { invite: viaCy } = await ana.peer.handlers['groups.invite']({ group: groupId })
    const bo = await startApart('Bo', b, [a.id])
    await bo.peer.handlers['groups.join']({ invite: viaCy })
    const eve = await peers.start('Eve')
    await eve.peer.handlers['groups.join']({ invite: viaCy })
    const memberCount = async (p: TestPeer, n: number) =>
      (await p.peer.handlers['groups.list']({}))[0]?.members.length === n
    await until(ana.peer, 'Ana sees four members', () => memberCount(ana, 4))
    await ana.peer.handlers['groups.remove']({ group: groupId, peerId: eve.peer.peerId })
    await until(ana.peer, 'Ana sees three members', () => memberCount(ana, 3))
    await cy.peer.stop()
    await eve.peer.stop()
    assert.equal(
      (await ana.peer.handlers['peers.list']({})).find((p) => p.peerId === b.id)?.connected,
      false,
      'Ana and Bo never connected',
    )

    // On Ana's side of the world: messages and a file, saved to the stick.
    await ana.peer.handlers['messages.send']({ group: groupId, text: 'the keys are under the mat' })
    await ana.peer.handlers['messages.send']({ group: groupId, text: '가족 모임은 토요일' })
    const photo = path.join(work, 'photo.bin')
    const photoBytes = randomBytes(1024 * 1024 + 4321)
    fs.writeFileSync(photo, photoBytes)
    const big = path.join(work, 'video.bin')
    fs.writeFileSync(big, randomBytes(300_000))
    const added = await ana.peer.handlers['shelf.add']({ group: groupId, path: photo })
    await ana.peer.handlers['shelf.add']({ group: groupId, path: big })
    const stick = path.join(work, 'family.hearth-bundle')
    const exported = await ana.peer.handlers['bundle.export']({
      group: groupId,
      path: stick,
      maxFileBytes: 2 * 1024 * 1024,
    })
    assert.deepEqual(
      [exported.files, exported.skippedFiles, exported.recipients],
      [2, 0, 3],
      'two files; Ana, Bo and Cy can open it',
    )
    const bytes = fs.readFileSync(stick)
    // Only strings long enough that random ciphertext cannot contain them by chance.
    for (const plain of ['Family', 'under the mat', groupId, a.id, ana.peer.peerId]) {
      assert.equal(bytes.includes(Buffer.from(plain)), false, `"${plain}" is not readable in it`)
    }
    const smaller = path.join(work, 'small.hearth-bundle')
    const limited = await ana.peer.handlers['bundle.export']({
      group: groupId,
      path: smaller,
      maxFileBytes: 500_000,
    })
    assert.deepEqual([limited.files, limited.skippedFiles], [1, 1])

    // A stranger and the removed member cannot open it.
    const stranger = await peers.start('Dee')
    await assert.rejects(
      stranger.peer.handlers['bundle.import']({ path: stick }),
      failsWith('NOT_A_RECIPIENT'),
    )
    // Eve's device talks to nobody: what Bo holds below comes only from bundles.
    const removed = await peers.start(
      'Eve',
      { name: undefined, node: { isBlocked: () => true } },
      eve.dataDir,
    )
    await assert.rejects(
      removed.peer.handlers['bundle.import']({ path: stick }),
      failsWith('NOT_A_RECIPIENT'),
    )
    await removed.peer.stop()
    await stranger.peer.stop()

    // An altered bundle is refused and Bo's device does not move.
    const boBefore = await view(bo.peer, groupId)
    assert.deepEqual(boBefore.messages, [], 'Bo has heard nothing from Ana yet')
    const blobsBefore = blobFiles(bo.dataDir)
    for (const at of [30, bytes.length >> 1, bytes.length - 3]) {
      const altered = Buffer.from(bytes)
      altered[at] = (altered[at] as number) ^ 0x01
      const file = path.join(work, `altered-${at}`)
      fs.writeFileSync(file, altered)
      await assert.rejects(
        bo.peer.handlers['bundle.import']({ path: file }),
        (err: unknown) =>
          err instanceof HearthError && ['DAMAGED_FILE', 'NOT_A_RECIPIENT'].includes(err.code),
      )
    }
    const cut = path.join(work, 'cut')
    fs.writeFileSync(cut, bytes.subarray(0, bytes.length - 100))
    await assert.rejects(
      bo.peer.handlers['bundle.import']({ path: cut }),
      failsWith('DAMAGED_FILE'),
    )
    assert.deepEqual(await view(bo.peer, groupId), boBefore)
    assert.deepEqual(blobFiles(bo.dataDir), blobsBefore)

    // The real one: Bo now has Ana's messages, and the file is on his device, verified.
    const imported = await bo.peer.handlers['bundle.import']({ path: stick })
    assert.equal(imported.groupId, groupId)
    assert.equal(imported.filesReceived, 2)
    assert.ok(imported.updatesMerged > 0)
    const boMessages = await bo.peer.handlers['messages.list']({ group: groupId })
    assert.deepEqual(
      boMessages.map((m) => [m.text, m.author, m.verified]),
      [
        ['the keys are under the mat', a.id, true],
        ['가족 모임은 토요일', a.id, true],
      ],
    )
    const boShelf = await bo.peer.handlers['shelf.list']({ group: groupId })
    const photoOnBo = boShelf.find((f) => f.fileId === added.fileId)
    assert.equal(photoOnBo?.local, true)
    assert.equal(photoOnBo?.sha256, sha256(photoBytes))
    const out = path.join(work, 'photo-at-bo.bin')
    await bo.peer.handlers['shelf.get']({ group: groupId, fileId: added.fileId, out })
    assert.equal(sha256(fs.readFileSync(out)), sha256(photoBytes))

    // Bo reads them; his read marker goes back with the next bundle.
    const lastFromAna = boMessages.at(-1)
    assert.ok(lastFromAna)
    await bo.peer.handlers['receipts.markRead']({ group: groupId, messageId: lastFromAna.id })

    // Twice is harmless.
    const afterFirst = await view(bo.peer, groupId)
    const blobsAfterFirst = blobFiles(bo.dataDir)
    const twice = await bo.peer.handlers['bundle.import']({ path: stick })
    assert.deepEqual(twice, { groupId, updatesMerged: 0, filesReceived: 0 })
    assert.deepEqual(await view(bo.peer, groupId), afterFirst)
    assert.deepEqual(blobFiles(bo.dataDir), blobsAfterFirst)

    // Back the other way: Bo writes, carries it home; Ana imports.
    await bo.peer.handlers['messages.send']({ group: groupId, text: 'found them, thanks' })
    const { messageId } = await bo.peer.handlers['messages.send']({
      group: groupId,
      text: 'see you Saturday',
    })
    await bo.peer.handlers['messages.react']({ group: groupId, messageId, emoji: '👍' })
    const back = path.join(work, 'back.hearth-bundle')
    await bo.peer.handlers['bundle.export']({ group: groupId, path: back })
    const home = await ana.peer.handlers['bundle.import']({ path: back })
    assert.equal(home.filesReceived, 0, 'Ana had the files already')
    const anaReceipts = await ana.peer.handlers['receipts.list']({ group: groupId })
    assert.ok(
      anaReceipts.some((r) => r.peerId === b.id && r.messageId === lastFromAna.id),
      'Ana knows how far Bo has read',
    )
    const anaSees = await view(ana.peer, groupId)
    const boSees = await view(bo.peer, groupId)
    assert.deepEqual(anaSees.messages, boSees.messages)
    assert.equal(anaSees.messages.length, 4)
    assert.deepEqual(
      anaSees.shelf.map((f) => [f.fileId, f.sha256, f.local]),
      boSees.shelf.map((f) => [f.fileId, f.sha256, f.local]),
    )

    await ana.peer.stop()
    await bo.peer.stop()
    const atAna = storedState(ana.dataDir, groupId)
    const atBo = storedState(bo.dataDir, groupId)
    assert.equal(atAna.sv, atBo.sv, 'the same state vector, as stored')
    assert.deepEqual(atAna.doc.getMap('msgs').toJSON(), atBo.doc.getMap('msgs').toJSON())
    assert.deepEqual(atAna.doc.getMap('ops').toJSON(), atBo.doc.getMap('ops').toJSON())
  })
})
