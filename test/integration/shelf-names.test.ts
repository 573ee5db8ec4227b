// Hostile file names from a member who skips its own input checks: it signs shelf entries by hand
// and pushes them over the sync protocol to a real `hearth serve`. Names that break the rules
// (traversal, separators, controls, bidi overrides, too long) are rejected with their whole
// update; names the rules allow but that are still nasty (device names, markup, invisible
// characters) are listed, shown escaped by the CLI, and nothing is ever written but blobs and
// the one path the user chose.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import * as Y from 'yjs'
import { commands } from '../../shared/api/contract.ts'
import { shelfFields, signEntry, type ShelfEntry } from '../../shared/peer/groups/entries.ts'
import type { Unsigned } from '../../shared/peer/groups/entries.ts'
import { makeSigner } from '../../shared/peer/groups/signing.ts'
import { encodeFrame } from '../../shared/peer/sync/frames.ts'
import { MSG_UPDATE, SYNC_PROTOCOL, writeUpdatePart } from '../../shared/peer/sync/messages.ts'
import { BlobStore, blobIdOf } from '../../shared/peer/shelves/index.ts'
import { listTree, sha256File } from '../../shared/peer/shelves/test-fixtures.ts'
import { PeerSet, until as untilEvent } from '../helpers/peers.ts'
import { cli, startServe, tempDirs, until } from '../helpers/proc.ts'

const peers = new PeerSet()
const dirs = tempDirs()
after(async () => {
  await peers.cleanup()
  dirs.removeAll()
})

/** Breaks the shelf's rules: the update carrying any of these is refused whole. */
const REFUSED_NAMES = [
  '../../.bashrc',
  '/etc/cron.d/evil',
  'a\\..\\b.txt',
  '..',
  'evil\u202Etxt.exe',
  'bell\u0007.txt',
  'x'.repeat(10_000),
]
/** Within the rules, and shown escaped; saving uses the path the user gives, never these. */
const NASTY_NAMES = [
  'CON',
  'nul.txt',
  '<img src=x onerror=alert(1)>.html',
  'zero\u200Bwidth.txt',
  'line\u2028break.txt',
  'C:evil.txt',
]

test('hostile names from a member are refused or shown escaped, and never become paths', async () => {
  const work = dirs.make('shelf-names')
  const note = path.join(work, 'note.txt')
  fs.writeFileSync(note, 'a perfectly ordinary file\n')

  const hKey = await generateKeyPair('Ed25519')
  const a = await peers.start('Ana')
  const h = await peers.start('Hex', { privateKey: hKey })
  const { groupId, invite } = await a.peer.handlers['groups.create']({ name: 'Home' })
  await h.peer.handlers['groups.join']({ invite })
  const ok = await h.peer.handlers['shelf.add']({ group: groupId, path: note })
  await untilEvent(a.peer, 'Ana holds the note', async () =>
    (await a.peer.handlers['shelf.list']({ group: groupId })).some((f) => f.local),
  )

  const bDir = dirs.make('shelf-names-bo')
  // Where '../../.bashrc' would land if a name were ever used as a path under Bo's data.
  const traversalTarget = path.resolve(bDir, 'blobs', '..', '..', '.bashrc')
  const targetExisted = fs.existsSync(traversalTarget)
  const bo = await startServe({
    dataDir: bDir,
    args: ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--peer', a.peer.addrs()[0] ?? ''],
  })
  try {
    const { invite: forBo } = await a.peer.handlers['groups.invite']({ group: groupId })
    ;(await cli(bDir, ['group', 'join', forBo, '--json'])).ok()
    const list = async () =>
      (await cli(bDir, ['shelf', 'ls', groupId, '--json'])).ok().json(commands['shelf.list'].output)
    await until(async () => (await list()).some((f) => f.fileId === ok.fileId && f.local), {
      what: 'Bo holds the note',
    })
    await h.peer.stop()

    // Hex again, now speaking the sync protocol by hand with its own device key.
    const blobId = blobIdOf(
      await (await BlobStore.open(dirs.make('shelf-names-probe'))).importFile(note),
    )
    const signer = makeSigner(hKey)
    let prev: string | null = ok.fileId
    let ts = Date.now()
    const update = (names: readonly string[]) => {
      const doc = new Y.Doc()
      doc.transact(() => {
        for (const name of names) {
          const { id, entry } = signEntry<ShelfEntry>(
            signer,
            {
              v: 2,
              group: groupId,
              author: signer.peerId,
              ts: ++ts,
              prev,
              kind: 'file',
              blobId,
              name,
              folder: '',
              size: ok.size,
              mediaType: 'text/plain',
              sha256: ok.sha256,
            } as Unsigned<ShelfEntry>,
            shelfFields,
          )
          doc.getMap('shelf').set(id, entry)
          prev = id
        }
      })
      const bytes = Y.encodeStateAsUpdate(doc)
      doc.destroy()
      return encodeFrame(writeUpdatePart(MSG_UPDATE, groupId, bytes.length, bytes))
    }
    const hex = await createLibp2p({
      privateKey: hKey,
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
    })
    try {
      const push = async (frame: Uint8Array) => {
        const stream = await hex.dialProtocol(
          bo.ready.addrs.map((s) => multiaddr(s)),
          SYNC_PROTOCOL,
          {
            signal: AbortSignal.timeout(10_000),
          },
        )
        stream.send(frame)
        return stream
      }
      // The refused update: Bo aborts the stream (and strikes Hex) once he has checked it.
      const refused = await push(update(REFUSED_NAMES))
      await new Promise<void>((resolve) => {
        refused.addEventListener('close', () => resolve(), { once: true })
        if (refused.status !== 'open') resolve()
      })
      prev = ok.fileId
      await push(update(NASTY_NAMES))
      await until(async () => (await list()).length === 1 + NASTY_NAMES.length, {
        what: 'Bo lists the nasty names',
        explain: async () => JSON.stringify((await list()).map((f) => f.name)),
      })
    } finally {
      await hex.stop()
    }

    const names = (await list()).map((f) => f.name).sort()
    assert.deepEqual(names, ['note.txt', ...NASTY_NAMES].sort(), 'no refused name got through')
    const text = (await cli(bDir, ['shelf', 'ls', groupId])).ok().stdout
    for (const raw of ['\u200B', '\u2028']) {
      assert.ok(!text.includes(raw), `the CLI printed a raw ${JSON.stringify(raw)}`)
    }
    assert.match(text, /zero\\u\{200B\}width\.txt/)
    assert.match(text, /line\\u\{2028\}break\.txt/)
    assert.ok(text.includes('<img src=x onerror=alert(1)>.html'), 'markup is shown as text')

    // Saving any of them writes exactly the path chosen, and Bo's data holds only what it had.
    const before = (await listTree(bDir)).filter((f) => !f.startsWith('blobs/'))
    const exportDir = dirs.make('shelf-names-out')
    const con = (await list()).find((f) => f.name === 'CON')
    assert.ok(con !== undefined)
    ;(
      await cli(bDir, [
        'shelf',
        'get',
        groupId,
        con.fileId,
        '--out',
        path.join(exportDir, 'chosen.txt'),
      ])
    ).ok()
    assert.deepEqual(await listTree(exportDir), ['chosen.txt'])
    assert.equal(await sha256File(path.join(exportDir, 'chosen.txt')), ok.sha256)
    const grown = (await listTree(bDir)).filter(
      (f) => !f.startsWith('blobs/') && !before.includes(f),
    )
    assert.deepEqual(
      grown.filter((f) => !/^hearth\.db/.test(f)),
      [],
      'nothing new outside blobs/',
    )
    for (const file of await listTree(bDir)) {
      assert.ok(!/bashrc|cron|CON|onerror|evil/.test(file), `a name reached the disk: ${file}`)
    }
    assert.equal(fs.existsSync(traversalTarget), targetExisted)
  } finally {
    await bo.stop()
  }
})
