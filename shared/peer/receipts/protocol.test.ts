// /hearth/receipts/1.0.0 between two real nodes, the receiver treating the sender as a fellow
// member: malformed frames (a 4 GiB length claim, bytes that are not JSON, too many markers, an
// extra field) and forged markers are struck and change nothing; a good frame is taken and the
// receiver keeps answering.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Libp2p } from '@libp2p/interface'
import { makeSigner } from '../groups/signing.ts'
import { makeSigners } from '../groups/testing.ts'
import type { Signer } from '../groups/signing.ts'
import { createNode } from '../node.ts'
import { MemoryStore } from '../storage/memory.ts'
import { encodeFrame } from '../sync/frames.ts'
import { ReceiptBook } from './book.ts'
import { signMarker } from './marker.ts'
import { MAX_MARKERS_PER_FRAME, RECEIPTS_PROTOCOL, ReceiptsProtocol } from './protocol.ts'

const G = 'g'.repeat(26)
const utf8 = new TextEncoder()

describe('/hearth/receipts/1.0.0 against malformed and forged frames', () => {
  let receiver: Libp2p
  let sender: Libp2p
  let senderSigner: Signer
  let book: ReceiptBook
  const strikes: string[] = []
  let changed = 0
  let onChange: () => void = () => {}

  before(async () => {
    const [self] = (await makeSigners(1)) as [Signer]
    const senderKey = await generateKeyPair('Ed25519')
    senderSigner = makeSigner(senderKey)
    const options = { listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false }
    receiver = await createNode({ ...options, privateKey: await generateKeyPair('Ed25519') })
    sender = await createNode({ ...options, privateKey: senderKey })
    const store = new MemoryStore()
    store.addGroup(G, 1)
    const members = new Set([self.peerId, senderSigner.peerId])
    const isMember = (groupId: string, peerId: string) => groupId === G && members.has(peerId)
    book = new ReceiptBook({ store, signer: self, now: Date.now, isMember })
    book.load(G)
    const protocol = new ReceiptsProtocol(receiver, book, {
      groupsSharedWith: (peerId) => (isMember(G, peerId) ? [G] : []),
      isMember,
      connected: () => receiver.getPeers(),
      onStrike: (_peerId, reason) => strikes.push(reason),
      onChanged: () => {
        changed++
        onChange()
      },
    })
    await protocol.start()
  })

  after(async () => {
    await Promise.all([sender?.stop(), receiver?.stop()])
  })

  /** Sends raw bytes on a new stream; resolves once the receiver has closed or reset it. */
  async function sendRaw(bytes: Uint8Array): Promise<void> {
    const stream = await sender.dialProtocol(receiver.getMultiaddrs()[0]!, RECEIPTS_PROTOCOL)
    await new Promise<void>((resolve) => {
      stream.addEventListener('close', () => resolve(), { once: true })
      try {
        stream.send(bytes)
        void stream.close().catch(() => {})
      } catch {
        resolve() // already reset by the receiver
      }
    })
  }

  const frame = (value: unknown) => encodeFrame(utf8.encode(JSON.stringify(value)))
  const marker = (ts: number) => signMarker(senderSigner, G, { ts, id: 'm'.repeat(26) })

  test('each malformed frame is a strike and changes nothing', async () => {
    const fourGiB = new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x10])
    const cases: [string, Uint8Array][] = [
      ['a length prefix claiming 4 GiB', fourGiB],
      ['bytes that are not JSON', encodeFrame(utf8.encode('{"v":1,"markers":[oops'))],
      ['invalid UTF-8', encodeFrame(new Uint8Array([0xff, 0xfe, 0xfd]))],
      [
        'too many markers',
        frame({ v: 1, markers: Array(MAX_MARKERS_PER_FRAME + 1).fill(marker(1)) }),
      ],
      ['an unknown field', frame({ v: 1, markers: [{ ...marker(1), extra: true }] })],
      ['another version', frame({ v: 2, markers: [marker(1)] })],
      ['no markers', frame({ v: 1, markers: [] })],
    ]
    for (const [what, bytes] of cases) {
      const before = strikes.length
      await sendRaw(bytes)
      assert.equal(strikes.length, before + 1, `${what} is struck`)
    }
    assert.deepEqual(book.markers(G), [])
    assert.equal(changed, 0)
  })

  test('a forged marker is struck; a good one is taken, so the receiver still answers', async () => {
    const before = strikes.length
    const forged = { ...marker(Date.now() - 10), ts: Date.now() - 5 }
    await sendRaw(frame({ v: 1, markers: [forged] }))
    assert.equal(strikes.length, before + 1)
    assert.match(strikes.at(-1) ?? '', /bad signature/)
    const taken = new Promise<void>((resolve) => (onChange = resolve))
    const good = marker(Date.now() - 1)
    await sendRaw(frame({ v: 1, markers: [good] }))
    await taken
    assert.deepEqual(book.markers(G), [good])
  })
})
