// File shelves between real peers over TCP on loopback: a file added on one peer reaches the
// others byte-identical, from whichever member holds it, and never reaches a stranger.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { commands } from '../../shared/api/contract.ts'
import { HearthError } from '../../shared/api/errors.ts'
import type { Peer } from '../../shared/peer/peer.ts'
import { BlobStore, blobIdOf, type BlobTransfer } from '../../shared/peer/shelves/index.ts'
import { PeerSet, until } from '../helpers/peers.ts'
import { cli, startServe, tempDirs, until as pollUntil, type Serve } from '../helpers/proc.ts'

const peers = new PeerSet()
const dirs = tempDirs()
after(async () => {
  await peers.cleanup()
  dirs.removeAll()
})

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex')

async function isLocal(peer: Peer, group: string, fileId: string): Promise<boolean> {
  const files = await peer.handlers['shelf.list']({ group })
  return files.some((f) => f.fileId === fileId && f.local)
}

describe('shelves between peers', () => {
  test('a 5 MB file reaches two members byte-identical; one fetches from the other while the adder is offline; a stranger gets nothing', async () => {
    const work = dirs.make('shelf-files')
    const original = path.join(work, 'plans.bin')
    fs.writeFileSync(original, randomBytes(5 * 1024 * 1024 + 123))
    const expected = sha256(original)

    const a = await peers.start('Ana')
    const c = await peers.start('Cy')
    const { groupId, invite } = await a.peer.handlers['groups.create']({ name: 'Office' })
    await c.peer.handlers['groups.join']({ invite })

    const added = await a.peer.handlers['shelf.add']({ group: groupId, path: original })
    assert.equal(added.sha256, expected)
    assert.equal(added.size, 5 * 1024 * 1024 + 123)

    await until(c.peer, 'Cy sees the entry', async () =>
      (await c.peer.handlers['shelf.list']({ group: groupId })).some(
        (f) => f.fileId === added.fileId,
      ),
    )
    // Cy asks for it on demand (it may also be fetching it already: one fetch serves both).
    const atC = path.join(work, 'at-c.bin')
    const got = await c.peer.handlers['shelf.get']({
      group: groupId,
      fileId: added.fileId,
      out: atC,
    })
    assert.equal(got.sha256, expected)
    assert.equal(sha256(atC), expected)
    const listed = await c.peer.handlers['shelf.list']({ group: groupId })
    assert.deepEqual(
      listed.map((f) => [f.fileId, f.name, f.folder, f.size, f.sha256, f.addedBy, f.local]),
      [[added.fileId, 'plans.bin', '', added.size, expected, a.peer.peerId, true]],
    )
    await assert.rejects(
      c.peer.handlers['shelf.get']({ group: groupId, fileId: added.fileId, out: atC }),
      (err: unknown) => err instanceof HearthError && err.code === 'FILE_EXISTS',
    )

    // An invite that names Cy, so Bo can join while Ana is gone.
    await until(a.peer, 'Ana sees Cy connected', async () =>
      (await a.peer.handlers['peers.list']({})).some((p) => p.name === 'Cy' && p.connected),
    )
    const { invite: invite2 } = await a.peer.handlers['groups.invite']({ group: groupId })
    await a.peer.stop()

    const b = await peers.start('Bo')
    const progress: number[] = []
    b.peer.events.subscribe((name, payload) => {
      if (name === 'transferProgressed') {
        progress.push((payload as { bytes: number }).bytes)
      }
    })
    await b.peer.handlers['groups.join']({ invite: invite2 })
    // Small files come on their own: Bo holds it without asking, and only Cy could send it.
    await until(b.peer, 'Bo holds the file', () => isLocal(b.peer, groupId, added.fileId), 60_000)
    // The chunks may be on disk a moment before the last progress event: wait for it.
    await until(b.peer, 'progress reached the whole file', () => progress.at(-1) === added.size)
    assert.ok(
      progress.every((bytes, i) => i === 0 || bytes >= (progress[i - 1] ?? 0)),
      'progress only grows',
    )
    const atB = path.join(work, 'at-b.bin')
    await b.peer.handlers['shelf.get']({ group: groupId, fileId: added.fileId, out: atB })
    assert.equal(sha256(atB), expected)

    // A stranger who knows the blob id and reaches Cy gets refused before any byte.
    const probe = await BlobStore.open(dirs.make('shelf-probe'))
    const blobId = blobIdOf(await probe.importFile(original))
    const d = await peers.start('Dee')
    const cyId = peerIdFromString(c.peer.peerId)
    await d.peer.libp2p.dial(c.peer.addrs().map((s) => multiaddr(s)))
    const transfer = d.peer.libp2p.services.blob as BlobTransfer
    await assert.rejects(
      transfer.fetchManifest({ groupId, blobId, sources: [cyId] }),
      (err: unknown) => err instanceof HearthError && err.code === 'NO_MEMBER_REACHABLE',
    )
    const manifest = await probe.getManifest(blobId)
    assert.ok(manifest !== null)
    await assert.rejects(
      transfer.fetchBlob({ manifest, groupId, sources: [cyId] }),
      (err: unknown) => err instanceof HearthError && err.code === 'NO_MEMBER_REACHABLE',
    )
  })

  test('remove, restore and move reach the other member; only the author or an admin may act', async () => {
    const work = dirs.make('shelf-acts')
    const note = path.join(work, 'note.txt')
    fs.writeFileSync(note, 'hello shelf\n')
    const a = await peers.start('Ana')
    const b = await peers.start('Bo')
    const { groupId, invite } = await a.peer.handlers['groups.create']({ name: 'Home' })
    await b.peer.handlers['groups.join']({ invite })
    const { fileId } = await b.peer.handlers['shelf.add']({
      group: groupId,
      path: note,
      folder: 'notes',
    })
    const view = async (p: Peer) =>
      (await p.handlers['shelf.list']({ group: groupId })).find((f) => f.fileId === fileId)
    await until(a.peer, 'Ana holds the note', async () => (await view(a.peer))?.local === true)

    await a.peer.handlers['shelf.move']({ group: groupId, fileId, name: 'renamed.txt' })
    await until(
      b.peer,
      'Bo sees the new name',
      async () => (await view(b.peer))?.name === 'renamed.txt',
    )
    assert.equal((await view(b.peer))?.folder, 'notes')
    await b.peer.handlers['shelf.remove']({ group: groupId, fileId })
    await until(a.peer, 'Ana sees it removed', async () => (await view(a.peer))?.removed === true)
    await a.peer.handlers['shelf.restore']({ group: groupId, fileId })
    await until(b.peer, 'Bo sees it back', async () => (await view(b.peer))?.removed === false)

    const { fileId: anas } = await a.peer.handlers['shelf.add']({ group: groupId, path: note })
    await until(b.peer, 'Bo sees Ana’s file', async () =>
      (await b.peer.handlers['shelf.list']({ group: groupId })).some((f) => f.fileId === anas),
    )
    await assert.rejects(
      b.peer.handlers['shelf.remove']({ group: groupId, fileId: anas }),
      (err: unknown) => err instanceof HearthError && err.code === 'NOT_THE_AUTHOR',
    )
    // Relative paths are refused by the contract and by the peer.
    assert.equal(
      commands['shelf.add'].input.safeParse({ group: 'x', path: 'a.txt' }).success,
      false,
    )
    await assert.rejects(
      a.peer.handlers['shelf.add']({ group: groupId, path: 'note.txt' }),
      (err: unknown) => err instanceof HearthError && err.code === 'BAD_INPUT',
    )
  })

  test('CLI round trip: shelf add, ls --json, get --out give back identical bytes', async () => {
    const dataDir = dirs.make('shelf-cli')
    const work = dirs.make('shelf-cli-files')
    const file = path.join(work, 'photo.jpg')
    fs.writeFileSync(file, randomBytes(300_000))
    const serve = await startServe({
      dataDir,
      args: ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0'],
    })
    try {
      const created = (await cli(dataDir, ['group', 'create', 'Trip', '--json'])).ok()
      const { groupId } = created.json(commands['groups.create'].output)
      // A relative FILE means the CLI's own folder: the CLI resolves it.
      const added = (
        await cli(dataDir, ['shelf', 'add', 'Trip', path.relative(process.cwd(), file), '--json'])
      ).ok()
      const { fileId, sha256: hash, size } = added.json(commands['shelf.add'].output)
      assert.equal(hash, sha256(file))
      assert.equal(size, 300_000)
      const listed = (await cli(dataDir, ['shelf', 'ls', groupId, '--json']))
        .ok()
        .json(commands['shelf.list'].output)
      assert.deepEqual(
        listed.map((f) => [f.fileId, f.name, f.size, f.sha256, f.local]),
        [[fileId, 'photo.jpg', 300_000, hash, true]],
      )
      const out = path.join(work, 'copy.jpg')
      ;(await cli(dataDir, ['shelf', 'get', 'Trip', fileId, '--out', out])).ok()
      assert.equal(sha256(out), hash)
      const again = await cli(dataDir, ['shelf', 'get', 'Trip', fileId, '--out', out])
      assert.equal(again.code, 1, 'an existing file is never overwritten')
      const noOut = await cli(dataDir, ['shelf', 'get', 'Trip', fileId])
      assert.equal(noOut.code, 2)
      ;(await cli(dataDir, ['shelf', 'mv', 'Trip', fileId, '--name', 'beach.jpg'])).ok()
      ;(await cli(dataDir, ['shelf', 'rm', 'Trip', fileId])).ok()
      const after = (await cli(dataDir, ['shelf', 'ls', 'Trip', '--json']))
        .ok()
        .json(commands['shelf.list'].output)
      assert.deepEqual(
        after.map((f) => [f.name, f.removed]),
        [['beach.jpg', true]],
      )
    } finally {
      await serve.stop()
    }
  })

  test('CLI shelf get waits for an offline holder, says whom it waits for, and Ctrl-C stops it', async () => {
    const work = dirs.make('shelf-wait')
    const file = path.join(work, 'menu.pdf')
    fs.writeFileSync(file, randomBytes(200_000))
    const anaDir = dirs.make('shelf-wait-ana')
    const boDir = dirs.make('shelf-wait-bo')
    const anaArgs = (port: string) => [
      '--no-mdns',
      '--name',
      'Ana',
      '--listen',
      `/ip4/127.0.0.1/tcp/${port}`,
    ]
    let ana = await startServe({ dataDir: anaDir, args: anaArgs('0') })
    let anaAgain: Promise<Serve> | undefined
    const bo = await startServe({
      dataDir: boDir,
      args: [
        '--no-mdns',
        '--name',
        'Bo',
        '--listen',
        '/ip4/127.0.0.1/tcp/0',
        '--peer',
        ana.ready.addrs[0] as string,
      ],
    })
    try {
      const { groupId, invite } = (await cli(anaDir, ['group', 'create', 'Dinner', '--json']))
        .ok()
        .json(commands['groups.create'].output)
      ;(await cli(boDir, ['group', 'join', invite])).ok()
      // Bo fetches nothing on his own, so the file stays on Ana's machine only.
      const policy = (
        await cli(boDir, ['shelf', 'policy', groupId, '--auto-download-max', '0', '--json'])
      )
        .ok()
        .json(commands['shelf.policy'].output)
      assert.equal(policy.autoDownloadMaxBytes, 0)
      const { fileId } = (await cli(anaDir, ['shelf', 'add', groupId, file, '--json']))
        .ok()
        .json(commands['shelf.add'].output)
      const listed = await pollUntil(
        async () => {
          const files = (await cli(boDir, ['shelf', 'ls', groupId, '--json']))
            .ok()
            .json(commands['shelf.list'].output)
          return files.find((f) => f.fileId === fileId)
        },
        { what: 'Bo sees the file on the shelf' },
      )
      assert.deepEqual([listed.local, listed.holders], [false, [ana.ready.peerId]])
      const port = /\/tcp\/(\d+)/.exec(ana.ready.addrs[0] as string)?.[1] as string
      await ana.stop()

      const out = path.join(work, 'copy.pdf')
      let pressed = false
      const interrupted = await cli(boDir, ['shelf', 'get', groupId, fileId, '--out', out], {
        onStderr: (stderr, proc) => {
          if (pressed || !stderr.includes('waiting for Ana')) return
          pressed = true
          proc.kill('SIGINT')
        },
      })
      assert.equal(interrupted.code, 1, `${interrupted.signal} ${interrupted.stderr}`)
      assert.match(interrupted.stderr, /waiting for Ana to come online \(who has this file\)/)
      assert.match(interrupted.stderr, /cancelled/)
      assert.equal(fs.existsSync(out), false)
      // The peer heard: nothing of Bo's waits for that file any more.
      await pollUntil(
        async () =>
          (await cli(boDir, ['shelf', 'ls', groupId, '--json']))
            .ok()
            .json(commands['shelf.list'].output)
            .every((f) => f.transfer === null),
        { what: 'Bo’s peer stopped waiting once the command was interrupted' },
      )

      // Asked again, it waits until Ana is back, then fetches, verifies and saves.
      const waited = cli(boDir, ['shelf', 'get', groupId, fileId, '--out', out, '--json'], {
        onStderr: (stderr) => {
          if (anaAgain !== undefined || !stderr.includes('waiting for Ana')) return
          anaAgain = startServe({ dataDir: anaDir, args: anaArgs(port) })
        },
      })
      const got = (await waited).ok().json(commands['shelf.get'].output)
      assert.equal(got.sha256, sha256(file))
      assert.equal(sha256(out), sha256(file))
    } finally {
      await bo.stop()
      if (anaAgain !== undefined) ana = await anaAgain
      await ana.stop()
    }
  })
})
