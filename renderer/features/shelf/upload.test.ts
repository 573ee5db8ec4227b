// The browser's upload path against a real peer in this process: what the page sends is what the
// shelf holds, byte for byte, and a cancelled upload leaves nothing half-added.
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { after, test } from 'node:test'
import { HearthError, UPLOAD_CHUNK_BYTES } from '../../../shared/api/index.ts'
import { memoryChannelPair } from '../../../shared/rpc/channel.ts'
import { createClient, type ApiClient } from '../../../shared/rpc/client.ts'
import { serveApi } from '../../../shared/rpc/server.ts'
import { createPeer } from '../../../shared/peer/peer.ts'
import { fromBase64, toBase64, uploadFile } from './upload.ts'

const peer = await createPeer({ listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
const [clientSide, peerSide] = memoryChannelPair()
serveApi(peerSide, peer.handlers, peer.events.subscribe)
const client = createClient(clientSide)
after(async () => {
  client.close()
  await peer.stop()
})
const { groupId } = await client.call('groups.create', { name: 'Uploads' })

test('base64 both ways, for any bytes', () => {
  const bytes = randomBytes(100_003)
  assert.deepEqual(Buffer.from(fromBase64(toBase64(bytes))), bytes)
  assert.equal(toBase64(bytes), bytes.toString('base64'))
})

test('a file sent in chunks arrives whole, under a valid name, in its folder', async () => {
  const bytes = randomBytes(UPLOAD_CHUNK_BYTES * 3 + 17)
  const sent: number[] = []
  const added = await uploadFile(
    client,
    groupId,
    'Photos',
    new File([bytes], '../evil\u202Egnp.exe'),
    (n) => sent.push(n),
  )
  assert.equal(added.sha256, createHash('sha256').update(bytes).digest('hex'))
  assert.deepEqual(sent, [1, 2, 3].map((k) => k * UPLOAD_CHUNK_BYTES).concat(bytes.length))
  const [file] = await client.call('shelf.list', { group: groupId })
  assert.deepEqual([file?.name, file?.folder, file?.local], ['.._evilgnp.exe', 'Photos', true])
})

test('an aborted upload is cancelled on the peer and adds nothing', async () => {
  const abort = new AbortController()
  const bytes = randomBytes(UPLOAD_CHUNK_BYTES * 2)
  const before = (await client.call('shelf.list', { group: groupId })).length
  let uploadId = ''
  const watching: ApiClient = {
    ...client,
    call: async (cmd, input) => {
      const out = await client.call(cmd, input)
      if (cmd === 'shelf.beginUpload') uploadId = (out as { uploadId: string }).uploadId
      return out
    },
  }
  const upload = uploadFile(
    watching,
    groupId,
    '',
    new File([bytes], 'big.bin'),
    () => abort.abort(),
    abort.signal,
  )
  await assert.rejects(upload, (err: unknown) => err instanceof Error && err.name === 'AbortError')
  assert.equal((await client.call('shelf.list', { group: groupId })).length, before)
  // The peer ended it: its id is no longer one.
  await assert.rejects(
    client.call('shelf.uploadChunk', { uploadId, offset: UPLOAD_CHUNK_BYTES, data: '' }),
    (err: unknown) => err instanceof HearthError && err.code === 'FILE_NOT_FOUND',
  )
})
