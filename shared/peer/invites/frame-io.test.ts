import { describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import { streamPair } from '@libp2p/utils'
import { HearthError } from '../../api/index.ts'
import { FRAME_HEADER_BYTES, MAX_FRAME_BYTES, frameStream } from './frame-io.ts'

const soon = () => AbortSignal.timeout(5000)

async function pair(t: TestContext) {
  const [a, b] = await streamPair()
  t.after(() => {
    a.abort(new Error('test over'))
    b.abort(new Error('test over'))
  })
  return { a, b }
}

describe('frame io', () => {
  test('frames round-trip, including empty ones', async (t) => {
    const { a, b } = await pair(t)
    const writer = frameStream(a, 1024)
    const reader = frameStream(b, 1024)
    await writer.write(Uint8Array.of(1, 2, 3), soon())
    await writer.write(new Uint8Array(0), soon())
    assert.deepEqual(await reader.read(3, soon()), Uint8Array.of(1, 2, 3))
    assert.deepEqual(await reader.read(3, soon()), new Uint8Array(0))
  })

  test('a length over the cap is refused before its body is read', async (t) => {
    const { a, b } = await pair(t)
    a.send(Uint8Array.of(0, 4)) // claims 4 bytes, sends none of them
    await assert.rejects(
      frameStream(b, 1024).read(3, soon()),
      (err) => err instanceof HearthError && err.code === 'TOO_LARGE',
    )
  })

  test('a peer sending far ahead of our reads overflows the buffer and the stream is aborted', async (t) => {
    const { a, b } = await pair(t)
    const reader = frameStream(b, 64)
    const closed = new Promise<Event>((resolve) => b.addEventListener('close', resolve))
    a.send(new Uint8Array(1024))
    await assert.rejects(reader.read(16, soon()), /overflow/i)
    await closed
    assert.equal(b.status, 'aborted')
  })

  test('end of stream mid-frame is an error, not a short frame', async (t) => {
    const { a, b } = await pair(t)
    a.send(Uint8Array.of(0, 8, 1, 2))
    await a.close()
    await assert.rejects(frameStream(b, 1024).read(8, soon()), /EOF/)
  })

  test('a read that waits too long is abandoned by its signal', async (t) => {
    const { b } = await pair(t)
    const controller = new AbortController()
    const read = frameStream(b, 1024).read(8, controller.signal)
    controller.abort(new Error('deadline'))
    await assert.rejects(read, /deadline|abort/i)
  })

  test('frames larger than the 2-byte header allows cannot be written', async (t) => {
    const { a } = await pair(t)
    await assert.rejects(
      frameStream(a, 1024).write(new Uint8Array(MAX_FRAME_BYTES + 1), soon()),
      (err) => err instanceof HearthError && err.code === 'TOO_LARGE',
    )
    assert.equal(FRAME_HEADER_BYTES, 2)
  })
})
