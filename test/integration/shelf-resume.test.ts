// A receiver killed (kill -9) half way through a shelf file resumes after a restart without
// asking again for any chunk it had verified: the sender's own count of the bytes it served
// stays under the file's size plus what can be in flight at the moment of the kill.
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { commands } from '../../shared/api/contract.ts'
import { BlobStore, CHUNK_SIZE, blobIdOf } from '../../shared/peer/shelves/index.ts'
import { defaultTransferLimits } from '../../shared/peer/shelves/transfer.ts'
import type { ServedChunk } from '../../shared/peer/shelves/transfer.ts'
import { sha256File, writeRandomFile } from '../../shared/peer/shelves/test-fixtures.ts'
import { PeerSet } from '../helpers/peers.ts'
import { cli, startServe, tempDirs, until } from '../helpers/proc.ts'

const SIZE = 100 * CHUNK_SIZE + 12_345
/** Chunks that can be served but not yet stored when the receiver dies: the fetch's window. */
const IN_FLIGHT_CHUNKS = defaultTransferLimits.maxChunksInFlight

const peers = new PeerSet()
const dirs = tempDirs()
after(async () => {
  await peers.cleanup()
  dirs.removeAll()
})

test('a receiver killed half way resumes after restart and re-fetches no verified chunk', async () => {
  const work = dirs.make('shelf-resume')
  const original = path.join(work, 'archive.bin')
  const expected = await writeRandomFile(original, SIZE)
  const manifest = await (
    await BlobStore.open(dirs.make('shelf-resume-probe'))
  ).importFile(original)

  const served: ServedChunk[] = []
  let onServed = (): void => {}
  const a = await peers.start('Ana', {
    transfer: {
      onServed: (chunk) => {
        served.push(chunk)
        onServed()
      },
    },
  })
  const bDir = dirs.make('shelf-resume-bo')
  const args = ['--no-mdns', '--listen', '/ip4/127.0.0.1/tcp/0', '--peer', a.peer.addrs()[0] ?? '']
  let b = await startServe({ dataDir: bDir, args })
  const bId = b.ready.peerId

  const { groupId, invite } = await a.peer.handlers['groups.create']({ name: 'Trip' })
  ;(await cli(bDir, ['group', 'join', invite, '--json'])).ok()
  const { fileId } = await a.peer.handlers['shelf.add']({ group: groupId, path: original })
  await until(
    async () => {
      const listed = (await cli(bDir, ['shelf', 'ls', groupId, '--json']))
        .ok()
        .json(commands['shelf.list'].output)
      return listed.some((f) => f.fileId === fileId)
    },
    { what: 'Bo lists the file' },
  )

  const servedTo = () => served.filter((s) => s.peerId === bId)
  const bytesTo = () => servedTo().reduce((sum, s) => sum + s.bytes, 0)
  const halfServed = new Promise<void>((resolve) => {
    onServed = () => {
      if (bytesTo() >= SIZE / 2) resolve()
    }
  })
  const firstGet = cli(bDir, ['shelf', 'get', groupId, fileId, '--out', path.join(work, 'one')])
  await halfServed
  await b.kill9()
  assert.notEqual((await firstGet).code, 0, 'the first get died with its peer')

  const missing = await (await BlobStore.open(bDir)).missingChunks(manifest)
  const held = new Set([...manifest.chunks.keys()].filter((i) => !missing.includes(i)))
  assert.ok(held.size > 0 && missing.length > 0, `held ${held.size}, missing ${missing.length}`)
  const servedBefore = servedTo().length

  b = await startServe({ dataDir: bDir, args })
  const out = path.join(work, 'two')
  ;(await cli(bDir, ['shelf', 'get', groupId, fileId, '--out', out], { timeoutMs: 120_000 })).ok()
  assert.equal(await sha256File(out), expected)
  await b.stop()

  const second = servedTo().slice(servedBefore)
  assert.ok(
    second.every((s) => s.blobId === blobIdOf(manifest)),
    'only this file was served to Bo',
  )
  assert.deepEqual(
    second.filter((s) => held.has(s.index)).map((s) => s.index),
    [],
    'no chunk held on disk was asked for again',
  )
  const limit = SIZE + IN_FLIGHT_CHUNKS * CHUNK_SIZE
  assert.ok(
    bytesTo() <= limit,
    `served ${bytesTo()} bytes to Bo in all, more than size + in-flight window (${limit})`,
  )
})
